-- name: iam-changes
-- description: IAM changes (every IAM call but Get*, List*, Generate* and Simulate*) since the start of the UTC day that many days ago, newest first: users, roles, groups, policies and keys created, changed or attached, with who and from where (seeds/003 scenario 3).
-- params: days
SELECT eventtime,
       eventname,
       awsregion,
       coalesce(json_extract_scalar(requestparameters, '$.userName'),
                json_extract_scalar(requestparameters, '$.roleName'),
                json_extract_scalar(requestparameters, '$.groupName'),
                json_extract_scalar(requestparameters, '$.policyArn')) AS target,
       json_extract_scalar(requestparameters, '$.policyArn') AS policy_arn,
       coalesce(useridentity.username, useridentity.arn, useridentity.invokedby) AS caller,
       sourceipaddress,
       errorcode,
       requestparameters,
       responseelements,
       eventid
FROM "{{db}}"."{{trail_table}}"
WHERE day >= date_format(date_add('day', -CAST({{param "days"}} AS integer), current_date), '%Y/%m/%d')
  AND eventsource = 'iam.amazonaws.com'
  AND eventname NOT LIKE 'Get%'
  AND eventname NOT LIKE 'List%'
  AND eventname NOT LIKE 'Generate%'
  AND eventname NOT LIKE 'Simulate%'
ORDER BY eventtime DESC
LIMIT 500
