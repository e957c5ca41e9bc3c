-- name: requests-per-hour
-- description: Requests per participant and UTC hour in one export of the access logs, busiest hour first, with client (4xx) and server (5xx) errors (seeds/004: busiest hours).
-- params: export_task
SELECT participant,
       date_trunc('hour', from_iso8601_timestamp(concat(request_date, 'T', request_timestamp, 'Z'))) AS hour_utc,
       count(*) AS requests,
       count_if(response_code BETWEEN 400 AND 499) AS client_errors,
       count_if(response_code >= 500) AS server_errors
FROM "{{db}}"."{{access_table}}"
WHERE export_task = {{param "export_task"}}
  AND request_date IS NOT NULL
GROUP BY 1, 2
ORDER BY requests DESC, hour_utc
