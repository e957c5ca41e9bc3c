-- name: console-login-history
-- description: Console sign-ins since the start of the UTC day that many days ago, newest first: who, from where, success or failure, whether MFA was used, and why a sign-in failed (seeds/003: who signed in; seeds/004: console login details over any range).
-- params: days
SELECT eventtime,
       eventname,
       awsregion,
       coalesce(useridentity.username, useridentity.arn) AS caller,
       useridentity.type AS caller_type,
       json_extract_scalar(responseelements, '$.ConsoleLogin') AS result,
       json_extract_scalar(additionaleventdata, '$.MFAUsed') AS mfa_used,
       sourceipaddress,
       useragent,
       errormessage,
       eventid
FROM "{{db}}"."{{trail_table}}"
WHERE day >= date_format(date_add('day', -CAST({{param "days"}} AS integer), current_date), '%Y/%m/%d')
  AND eventname = 'ConsoleLogin'
ORDER BY eventtime DESC
LIMIT 1000
