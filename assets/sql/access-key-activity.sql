-- name: access-key-activity
-- description: Every call made with one access key since the start of the UTC day that many days ago, newest first: service, action, region, source address and user agent, to judge a suspected key leak (seeds/003: access key investigation).
-- params: days, access_key_id
SELECT eventtime,
       eventsource,
       eventname,
       awsregion,
       sourceipaddress,
       useragent,
       coalesce(useridentity.username, useridentity.arn) AS caller,
       errorcode,
       eventcategory,
       eventid
FROM "{{db}}"."{{trail_table}}"
WHERE day >= date_format(date_add('day', -CAST({{param "days"}} AS integer), current_date), '%Y/%m/%d')
  AND useridentity.accesskeyid = {{param "access_key_id"}}
ORDER BY eventtime DESC
LIMIT 1000
