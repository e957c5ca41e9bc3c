-- name: rejected-ssh-flows
-- description: Rejected TCP connection attempts to port 22 (SSH) in the group's VPC since the start of the UTC day that many days ago, by source and target; the lab's web servers have no port 22 open (seeds/000).
-- params: days
SELECT day,
       srcaddr,
       dstaddr,
       instance_id,
       interface_id,
       count(*) AS flows,
       sum(packets) AS packets,
       from_unixtime(min(start_time)) AS first_seen,
       from_unixtime(max(end_time)) AS last_seen
FROM "{{db}}"."{{flow_table}}"
WHERE day >= date_format(date_add('day', -CAST({{param "days"}} AS integer), current_date), '%Y/%m/%d')
  AND action = 'REJECT'
  AND protocol = 6
  AND dstport = 22
GROUP BY day, srcaddr, dstaddr, instance_id, interface_id
ORDER BY flows DESC
LIMIT 100
