--[[
  One symbol's share of a feed batch in one call: prices with their time series, recent trades
  and changed candles. Every part is monotonic: what is older than the stored state is ignored
  and counted, so replays and overlapping feeds are harmless.

  KEYS[1]  price: string `<seq>|<time>|<price>`
  KEYS[2]  price time series: ZSET, score = exchange time, member `<time>:<price>`
  KEYS[3]  recent trades: LIST, newest first, elements `<id>|<time>|<price>|<qty>|<side>`
  KEYS[4]  candles: HASH `<interval>:<open time, 15 digits>` -> `<rank>|<final>|<candle...>`
  KEYS[5]  candle index: ZSET (all scores 0) of the HASH's fields, for ZRANGEBYLEX ranges

  ARGV[1]  price TTL ms      ARGV[2]  series TTL ms (its retention: a dead symbol's series goes)
  ARGV[3]  trades TTL ms     ARGV[4]  trades kept per symbol
  ARGV[5]  n ticks, then n x (seq, time, price), ascending seq
  then     m trades, then m x (id, element), ascending id
  then     k candles, then k x (field, rank, final 0|1, value)

  A tick is written when its seq is above the stored price's (it then also joins the series).
  A trade is written when its id is above the newest stored trade's. A candle is written when
  it is new, when final (the exchange's closed kline: it wins over trade-built ones), or when
  neither it nor the stored one is final and its rank (last trade id) is higher.

  Returns  { ticks written, ticks ignored, trades written, trades ignored,
             candles written, candles ignored }
]]
local i = 5
local ticksWritten, ticksIgnored = 0, 0
local nTicks = tonumber(ARGV[i])
if nTicks > 0 then
  local current = redis.call('GET', KEYS[1])
  local stored = -1
  if current then stored = tonumber(string.match(current, '^(%d+)|')) or -1 end
  local members = {}
  local last = nil
  for t = 1, nTicks do
    local seq = tonumber(ARGV[i + 1])
    if seq > stored then
      stored = seq
      last = i
      members[#members + 1] = ARGV[i + 2]
      members[#members + 1] = ARGV[i + 2] .. ':' .. ARGV[i + 3]
      ticksWritten = ticksWritten + 1
    else
      ticksIgnored = ticksIgnored + 1
    end
    i = i + 3
  end
  if last then
    redis.call('SET', KEYS[1], ARGV[last + 1] .. '|' .. ARGV[last + 2] .. '|' .. ARGV[last + 3], 'PX', ARGV[1])
    -- unpack is bounded by Lua's C stack: add the series in chunks.
    for c = 1, #members, 1000 do
      redis.call('ZADD', KEYS[2], unpack(members, c, math.min(c + 999, #members)))
    end
    redis.call('PEXPIRE', KEYS[2], ARGV[2])
  end
end

i = i + 1
local tradesWritten, tradesIgnored = 0, 0
local nTrades = tonumber(ARGV[i])
if nTrades > 0 then
  local newest = redis.call('LINDEX', KEYS[3], 0)
  local stored = -1
  if newest then stored = tonumber(string.match(newest, '^(%d+)|')) or -1 end
  local elements = {}
  for t = 1, nTrades do
    local id = tonumber(ARGV[i + 1])
    if id > stored then
      stored = id
      elements[#elements + 1] = ARGV[i + 2]
      tradesWritten = tradesWritten + 1
    else
      tradesIgnored = tradesIgnored + 1
    end
    i = i + 2
  end
  if #elements > 0 then
    for c = 1, #elements, 1000 do
      redis.call('LPUSH', KEYS[3], unpack(elements, c, math.min(c + 999, #elements)))
    end
    redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[4]) - 1)
    redis.call('PEXPIRE', KEYS[3], ARGV[3])
  end
end

i = i + 1
local candlesWritten, candlesIgnored = 0, 0
local nCandles = tonumber(ARGV[i])
for c = 1, nCandles do
  local field, rank, final, value = ARGV[i + 1], tonumber(ARGV[i + 2]), ARGV[i + 3], ARGV[i + 4]
  local current = redis.call('HGET', KEYS[4], field)
  local write = true
  if current then
    local storedRank, storedFinal = string.match(current, '^(%-?%d+)|(%d)|')
    if current == value then
      write = false
    elseif final ~= '1' then
      write = storedFinal ~= '1' and rank > (tonumber(storedRank) or -2)
    end
  end
  if write then
    if redis.call('HSET', KEYS[4], field, value) == 1 then
      redis.call('ZADD', KEYS[5], 0, field)
    end
    candlesWritten = candlesWritten + 1
  else
    candlesIgnored = candlesIgnored + 1
  end
  i = i + 4
end

return { ticksWritten, ticksIgnored, tradesWritten, tradesIgnored, candlesWritten, candlesIgnored }
