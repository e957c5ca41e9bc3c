-- name: api-changes-24h
-- description: The changes seeds/004's CloudTrail dashboard counts, over the last 24 hours: instances launched (RunInstances) and terminated, IAM policy versions created, security group ingress authorized or revoked; successful calls only.
-- params:
SELECT eventname,
       count(*) AS calls,
       count(DISTINCT coalesce(useridentity.username, useridentity.arn)) AS callers,
       max(eventtime) AS last_call
FROM "{{db}}"."{{trail_table}}"
WHERE day >= date_format(date_add('day', -1, current_date), '%Y/%m/%d')
  AND from_iso8601_timestamp(eventtime) >= current_timestamp - INTERVAL '1' DAY
  AND errorcode IS NULL
  AND eventname IN ('RunInstances', 'TerminateInstances', 'CreatePolicyVersion', 'AuthorizeSecurityGroupIngress', 'RevokeSecurityGroupIngress')
GROUP BY eventname
ORDER BY eventname
