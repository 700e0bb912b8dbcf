--[[
  Monotonic write of one market record (best bid/ask, order book, 24h statistics, symbol info,
  premium index): a write older than the stored one changes nothing, so a slow REST answer never
  overwrites a newer stream update.

  KEYS[1]  the record's key (a string `<seq>|<time>|<payload>`)
  ARGV[1]  ordering number of this write (non-negative integer: event time E, lastUpdateId, ...)
  ARGV[2]  the whole new value, `<seq>|<time>|<payload>` (starts with ARGV[1])
  ARGV[3]  TTL in ms, counted from this write

  Returns  1 when written, 0 when ignored (the stored ordering number is the same or newer; an
           equal one is a replay and changes nothing either).
]]
local current = redis.call('GET', KEYS[1])
if current then
  local stored = tonumber(string.match(current, '^(%d+)|'))
  if stored and stored >= tonumber(ARGV[1]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
