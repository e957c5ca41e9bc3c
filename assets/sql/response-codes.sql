-- name: response-codes
-- description: Requests per response code and participant in one export of the access logs (seeds/000, task 9).
-- params: export_task
SELECT participant,
       response_code,
       count(*) AS requests
FROM "{{db}}"."{{access_table}}"
WHERE export_task = {{param "export_task"}}
  AND response_code IS NOT NULL
GROUP BY participant, response_code
ORDER BY participant, requests DESC
