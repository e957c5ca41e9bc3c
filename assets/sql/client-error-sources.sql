-- name: client-error-sources
-- description: Client addresses that caused 4xx responses, by the number of distinct requests they tried, per participant, in one export of the access logs (seeds/004: a client that asks for many missing pages is probing).
-- params: export_task
SELECT participant,
       request_ip,
       count(*) AS errors,
       count(DISTINCT request) AS distinct_requests,
       array_sort(array_agg(DISTINCT response_code)) AS response_codes,
       slice(array_sort(array_agg(DISTINCT request)), 1, 10) AS sample_requests
FROM "{{db}}"."{{access_table}}"
WHERE export_task = {{param "export_task"}}
  AND response_code BETWEEN 400 AND 499
GROUP BY participant, request_ip
ORDER BY distinct_requests DESC, errors DESC
LIMIT 20
