-- name: console-logins
-- description: Console sign-ins of the last 24 hours, newest first: who, from where, success or failure, and whether MFA was used (seeds/004: console login details).
-- params:
SELECT eventtime,
       coalesce(useridentity.username, useridentity.arn) AS caller,
       useridentity.type AS caller_type,
       json_extract_scalar(responseelements, '$.ConsoleLogin') AS result,
       json_extract_scalar(additionaleventdata, '$.MFAUsed') AS mfa_used,
       sourceipaddress,
       useragent,
       errormessage
FROM "{{db}}"."{{trail_table}}"
WHERE day >= date_format(date_add('day', -1, current_date), '%Y/%m/%d')
  AND from_iso8601_timestamp(eventtime) >= current_timestamp - INTERVAL '1' DAY
  AND eventname = 'ConsoleLogin'
ORDER BY eventtime DESC
LIMIT 300
