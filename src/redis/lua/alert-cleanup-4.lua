--[[
  Deletes a symbol's alerts whose expiry has passed (active ones that never fired, and those a
  check already marked expired). Triggered alerts are not in `expiring` any more and stay.

  KEYS[1]  ZSET above targets   KEYS[3]  HASH records
  KEYS[2]  ZSET below targets   KEYS[4]  ZSET expiring
  ARGV[1]  now (ms)
  ARGV[2]  most alerts removed in this call

  Returns  {alertId1, userId1, alertId2, userId2, ...} of the deleted alerts, for the caller to
           drop them from their users' indexes.
]]
local ids = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  local raw = redis.call('HGET', KEYS[3], id)
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[4], id)
  if raw then
    local rec = cjson.decode(raw)
    if rec.status ~= 'triggered' then
      redis.call('HDEL', KEYS[3], id)
      out[#out + 1] = id
      out[#out + 1] = rec.userId
    end
  end
end
return out
