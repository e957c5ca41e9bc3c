-- name: console-login-summary
-- description: Console sign-ins of the last 24 hours per caller: successes, failures, and successes without MFA (seeds/004: login failures; CIS CloudWatch.3 and .6).
-- params:
SELECT coalesce(useridentity.username, useridentity.arn) AS caller,
       count_if(json_extract_scalar(responseelements, '$.ConsoleLogin') = 'Success') AS successes,
       count_if(json_extract_scalar(responseelements, '$.ConsoleLogin') = 'Failure') AS failures,
       count_if(json_extract_scalar(responseelements, '$.ConsoleLogin') = 'Success'
                AND json_extract_scalar(additionaleventdata, '$.MFAUsed') = 'No') AS successes_without_mfa,
       max(eventtime) AS last_attempt
FROM "{{db}}"."{{trail_table}}"
WHERE day >= date_format(date_add('day', -1, current_date), '%Y/%m/%d')
  AND from_iso8601_timestamp(eventtime) >= current_timestamp - INTERVAL '1' DAY
  AND eventname = 'ConsoleLogin'
GROUP BY 1
ORDER BY failures DESC, successes DESC
