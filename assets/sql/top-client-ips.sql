-- name: top-client-ips
-- description: Client addresses by requests, with their errors and distinct requests, per participant, in one export of the access logs (seeds/004: top source IPs).
-- params: export_task
SELECT participant,
       request_ip,
       count(*) AS requests,
       count_if(response_code >= 400) AS errors,
       count(DISTINCT request) AS distinct_requests,
       min(concat(request_date, 'T', request_timestamp, 'Z')) AS first_seen,
       max(concat(request_date, 'T', request_timestamp, 'Z')) AS last_seen
FROM "{{db}}"."{{access_table}}"
WHERE export_task = {{param "export_task"}}
  AND request_ip IS NOT NULL
GROUP BY participant, request_ip
ORDER BY requests DESC
LIMIT 50
