-- name: rejected-flows-by-port
-- description: Rejected inbound flows in the group's VPC by destination port and protocol since the start of the UTC day that many days ago: what the internet knocks on.
-- params: days
SELECT dstport,
       protocol,
       count(*) AS flows,
       count(DISTINCT srcaddr) AS sources,
       sum(packets) AS packets
FROM "{{db}}"."{{flow_table}}"
WHERE day >= date_format(date_add('day', -CAST({{param "days"}} AS integer), current_date), '%Y/%m/%d')
  AND action = 'REJECT'
  AND flow_direction = 'ingress'
  AND dstport IS NOT NULL
GROUP BY dstport, protocol
ORDER BY flows DESC
LIMIT 50
