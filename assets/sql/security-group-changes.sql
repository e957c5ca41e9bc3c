-- name: security-group-changes
-- description: Security group changes since the start of the UTC day that many days ago, newest first: rules authorized, revoked or modified, groups created or deleted, with who and from where (seeds/003 scenario 2).
-- params: days
SELECT eventtime,
       eventname,
       awsregion,
       coalesce(json_extract_scalar(requestparameters, '$.groupId'), json_extract_scalar(responseelements, '$.groupId')) AS group_id,
       coalesce(useridentity.username, useridentity.arn, useridentity.invokedby) AS caller,
       sourceipaddress,
       errorcode,
       requestparameters,
       eventid
FROM "{{db}}"."{{trail_table}}"
WHERE day >= date_format(date_add('day', -CAST({{param "days"}} AS integer), current_date), '%Y/%m/%d')
  AND eventsource = 'ec2.amazonaws.com'
  AND eventname IN ('AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress',
                    'RevokeSecurityGroupIngress', 'RevokeSecurityGroupEgress',
                    'ModifySecurityGroupRules', 'CreateSecurityGroup', 'DeleteSecurityGroup',
                    'UpdateSecurityGroupRuleDescriptionsIngress', 'UpdateSecurityGroupRuleDescriptionsEgress')
ORDER BY eventtime DESC
LIMIT 500
