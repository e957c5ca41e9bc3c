-- name: instance-state-history
-- description: Launches, starts, stops, reboots, terminations and attribute or metadata-option changes of one EC2 instance (or of every instance, for an empty instance_id) since the start of the UTC day that many days ago, newest first: who, when and from where (seeds/003 scenario 1).
-- params: days, instance_id
SELECT eventtime,
       eventname,
       coalesce(useridentity.username, useridentity.arn, useridentity.invokedby) AS caller,
       sourceipaddress,
       awsregion,
       errorcode,
       requestparameters,
       responseelements,
       eventid
FROM "{{db}}"."{{trail_table}}"
WHERE day >= date_format(date_add('day', -CAST({{param "days"}} AS integer), current_date), '%Y/%m/%d')
  AND eventsource = 'ec2.amazonaws.com'
  AND eventname IN ('RunInstances', 'StartInstances', 'StopInstances', 'RebootInstances', 'TerminateInstances',
                    'ModifyInstanceAttribute', 'ModifyInstanceMetadataOptions')
  AND strpos(concat(coalesce(requestparameters, ''), coalesce(responseelements, '')), {{param "instance_id"}}) > 0
ORDER BY eventtime DESC
LIMIT 500
