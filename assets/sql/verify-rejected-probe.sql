-- name: verify-rejected-probe
-- description: seclab verify: rejected connections to port 22 of the web servers (by network interface, private address or instance) since a time, as VPC flow logs record the security group dropping them.
-- params: day_from, day_to, since_epoch, interface_ids, private_ips, instance_ids
SELECT interface_id,
       instance_id,
       srcaddr,
       dstaddr,
       CAST(dstport AS integer) AS dstport,
       action,
       CAST(start_time AS bigint) AS start_time,
       CAST(end_time AS bigint) AS end_time,
       packets
FROM "{{db}}"."{{flow_table}}"
WHERE day BETWEEN {{param "day_from"}} AND {{param "day_to"}}
  AND CAST(end_time AS bigint) >= CAST({{param "since_epoch"}} AS bigint)
  AND CAST(dstport AS integer) = 22
  AND action = 'REJECT'
  AND (contains(split({{param "interface_ids"}}, ','), interface_id)
       OR contains(split({{param "private_ips"}}, ','), dstaddr)
       OR contains(split({{param "instance_ids"}}, ','), instance_id))
ORDER BY start_time
LIMIT 1000
