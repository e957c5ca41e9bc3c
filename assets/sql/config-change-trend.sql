-- name: config-change-trend
-- description: Calls that change configuration (everything but Describe*, List* and Get*) over the last 24 hours, per 10 minutes and action, with how many came from the console (seeds/004: configuration change trend).
-- params:
SELECT from_unixtime(floor(to_unixtime(from_iso8601_timestamp(eventtime)) / 600) * 600) AS ten_minutes,
       eventname,
       count(*) AS calls,
       count_if(sessioncredentialfromconsole = 'true') AS from_console,
       count_if(errorcode IS NOT NULL) AS failed
FROM "{{db}}"."{{trail_table}}"
WHERE day >= date_format(date_add('day', -1, current_date), '%Y/%m/%d')
  AND from_iso8601_timestamp(eventtime) >= current_timestamp - INTERVAL '1' DAY
  AND eventname NOT LIKE 'Describe%'
  AND eventname NOT LIKE 'List%'
  AND eventname NOT LIKE 'Get%'
GROUP BY 1, eventname
ORDER BY 1, calls DESC
