-- name: config-changes
-- description: The last 300 calls that change configuration (everything but Describe*, List* and Get*) in the last 24 hours, with caller, access key, error and request parameters (seeds/004: configuration change details).
-- params:
SELECT eventtime,
       eventsource,
       eventname,
       coalesce(useridentity.username, useridentity.arn, useridentity.invokedby) AS caller,
       useridentity.accesskeyid AS access_key_id,
       sourceipaddress,
       sessioncredentialfromconsole AS from_console,
       errorcode,
       requestparameters
FROM "{{db}}"."{{trail_table}}"
WHERE day >= date_format(date_add('day', -1, current_date), '%Y/%m/%d')
  AND from_iso8601_timestamp(eventtime) >= current_timestamp - INTERVAL '1' DAY
  AND eventname NOT LIKE 'Describe%'
  AND eventname NOT LIKE 'List%'
  AND eventname NOT LIKE 'Get%'
ORDER BY eventtime DESC
LIMIT 300
