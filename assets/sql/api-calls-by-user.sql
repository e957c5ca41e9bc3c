-- name: api-calls-by-user
-- description: API calls of the last 24 hours by caller, service and action, with failed calls and source addresses (seeds/003: who did what; seeds/004: CloudTrail dashboard).
-- params:
SELECT coalesce(useridentity.username, useridentity.arn, useridentity.invokedby, useridentity.principalid) AS caller,
       useridentity.type AS caller_type,
       eventsource,
       eventname,
       count(*) AS calls,
       count_if(errorcode IS NOT NULL) AS failed,
       slice(array_sort(array_agg(DISTINCT sourceipaddress)), 1, 5) AS source_ips
FROM "{{db}}"."{{trail_table}}"
WHERE day >= date_format(date_add('day', -1, current_date), '%Y/%m/%d')
  AND from_iso8601_timestamp(eventtime) >= current_timestamp - INTERVAL '1' DAY
GROUP BY 1, 2, eventsource, eventname
ORDER BY calls DESC
LIMIT 200
