-- name: verify-trail-calls
-- description: seclab verify: the API calls one verify run made (its marker in the user agent), as the group's trail recorded them in one region.
-- params: region, day_from, day_to, marker
SELECT eventsource,
       eventname,
       count(*) AS calls,
       min(eventtime) AS first_seen,
       max(eventtime) AS last_seen
FROM "{{db}}"."{{trail_table}}"
WHERE region = {{param "region"}}
  AND day BETWEEN {{param "day_from"}} AND {{param "day_to"}}
  AND strpos(useragent, {{param "marker"}}) > 0
GROUP BY eventsource, eventname
ORDER BY eventsource, eventname
