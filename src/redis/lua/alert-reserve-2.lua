--[[
  Reserves one of a user's active-alert places (the per-user cap) and indexes the alert, in the
  user's slot, before the alert is written to its symbol. Expired alerts no longer count, whether
  the cleanup has run or not.

  KEYS[1]  ZSET the user's active alerts (alertId → expiry ms or +inf)
  KEYS[2]  HASH the user's alerts (alertId → `<market>:<symbol>`)
  ARGV[1]  alert id
  ARGV[2]  `<market>:<symbol>`
  ARGV[3]  expiry (ms) or '+inf'
  ARGV[4]  now (ms)
  ARGV[5]  most active alerts allowed

  Returns  1 reserved, 0 the user already has ARGV[5] active alerts (nothing written)
]]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[5]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
