-- name: verify-run-status
-- description: seclab verify: requests per participant, method and response code that one verify run sent (its marker in the user agent), in one export of the access logs.
-- params: export_task, marker
SELECT participant,
       request_method,
       response_code,
       count(*) AS requests
FROM "{{db}}"."{{access_table}}"
WHERE export_task = {{param "export_task"}}
  AND strpos(user_client_data, {{param "marker"}}) > 0
GROUP BY participant, request_method, response_code
ORDER BY participant, request_method, response_code
