-- name: console-login-failure-sources
-- description: Source addresses of failed console sign-ins in the last 24 hours, most failures first, with the user names they tried (seeds/004: top failing IPs; block them by IAM policy if the attack goes on).
-- params:
SELECT sourceipaddress,
       count(*) AS failures,
       array_sort(array_agg(DISTINCT coalesce(useridentity.username, useridentity.arn))) AS callers,
       min(eventtime) AS first_failure,
       max(eventtime) AS last_failure
FROM "{{db}}"."{{trail_table}}"
WHERE day >= date_format(date_add('day', -1, current_date), '%Y/%m/%d')
  AND from_iso8601_timestamp(eventtime) >= current_timestamp - INTERVAL '1' DAY
  AND eventname = 'ConsoleLogin'
  AND json_extract_scalar(responseelements, '$.ConsoleLogin') = 'Failure'
GROUP BY sourceipaddress
ORDER BY failures DESC
LIMIT 10
