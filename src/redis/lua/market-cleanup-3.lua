--[[
  Removes one symbol's data past retention, at most ARGV[2] entries per part per call (the
  caller repeats while a part reports that many), so a long backlog never blocks Redis.

  KEYS[1]  price time series (ZSET by exchange time)
  KEYS[2]  candles (HASH)
  KEYS[3]  candle index (ZSET, lexicographic fields `<interval>:<open time, 15 digits>`)
  ARGV[1]  ticks cut-off: ticks with time < ARGV[1] go
  ARGV[2]  most entries removed per part
  ARGV[3..] pairs (interval, cut-off field): candles of that interval whose field sorts before
           the cut-off field (open time < cut-off) go

  Returns  { ticks removed, then candles removed per interval pair, in ARGV order }
]]
local limit = tonumber(ARGV[2])
local removed = {}
local old = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. ARGV[1])
if old > limit then old = limit end
if old > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, old - 1) end
removed[1] = old
for a = 3, #ARGV, 2 do
  local fields = redis.call('ZRANGEBYLEX', KEYS[3], '[' .. ARGV[a] .. ':', '(' .. ARGV[a + 1], 'LIMIT', 0, limit)
  if #fields > 0 then
    for c = 1, #fields, 1000 do
      local last = math.min(c + 999, #fields)
      redis.call('HDEL', KEYS[2], unpack(fields, c, last))
      redis.call('ZREM', KEYS[3], unpack(fields, c, last))
    end
  end
  removed[#removed + 1] = #fields
end
return removed
