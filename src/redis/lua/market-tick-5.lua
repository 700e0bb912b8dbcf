--[[
  One symbol's share of a feed batch in one call: prices with their time series, recent trades
  and changed candles. Every part is monotonic: what is older than the stored state is ignored
  and counted, so replays and overlapping feeds are harmless. Each part costs a fixed handful of
  commands whatever its size (one HMGET and one HSET for all candles).

  KEYS[1]  price: string `<seq>|<time>|<price>`
  KEYS[2]  price time series: ZSET, score = exchange time, member `<time>:<price>`
  KEYS[3]  recent trades: LIST, newest first, elements `<id>|<time>|<price>|<qty>|<side>`
  KEYS[4]  candles: HASH `<interval>:<open time, 15 digits>` -> `<rank>|<final>|<candle...>`
  KEYS[5]  candle index: ZSET (all scores 0) of the HASH's fields, for ZRANGEBYLEX ranges

  ARGV[1]  price TTL ms      ARGV[2]  series TTL ms (its retention: a dead symbol's series goes)
  ARGV[3]  trades TTL ms     ARGV[4]  trades kept per symbol
  ARGV[5]  1: the ticks also set the current price; 0: series only (the feed's price lane has
           already written the price, with `market-record`, a few ms earlier)
  ARGV[6]  n ticks, then n values `<seq>|<time>|<price>`, ascending seq
  then     m trades, then m elements (id first), ascending id
  then     k candles, then k x (field, value)

  A tick sets the price when its seq is above the stored price's; it joins the series when its
  time is after the series' newest point (so a price written first by the price lane does not
  keep its tick out of the series, and an older REST answer joins neither).
  A trade is written when its id is above the newest stored trade's. A candle is written when
  it is new, when final (the exchange's closed kline: it wins over trade-built ones), or when
  neither it nor the stored one is final and its rank (last trade id) is higher; a value equal
  to the stored one is a replay and changes nothing.

  Returns  { ticks written, ticks ignored, trades written, trades ignored,
             candles written, candles ignored, series points added, series points ignored }
           (a tick is written when it set the price or joined the series)
]]
local CHUNK = 1000
-- unpack is bounded by Lua's C stack: long lists go in chunks. Returns the last reply.
local function chunked(command, key, list)
  local reply
  for c = 1, #list, CHUNK do
    reply = redis.call(command, key, unpack(list, c, math.min(c + CHUNK - 1, #list)))
  end
  return reply
end

local setsPrice = ARGV[5] == '1'
local i = 6
local ticksWritten, ticksIgnored, seriesAdded, seriesIgnored = 0, 0, 0, 0
local nTicks = tonumber(ARGV[i])
if nTicks > 0 then
  local stored = -1
  if setsPrice then
    local current = redis.call('GET', KEYS[1])
    if current then stored = tonumber(string.match(current, '^(%d+)|')) or -1 end
  end
  local newest = -1
  local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  if top[2] then newest = tonumber(top[2]) end
  local members = {}
  local last = nil
  for t = i + 1, i + nTicks do
    local seq, time, price = string.match(ARGV[t], '^(%d+)|(%d+)|(.+)$')
    seq = tonumber(seq)
    local written = false
    if setsPrice and seq and seq > stored then
      stored = seq
      last = ARGV[t]
      written = true
    end
    local at = tonumber(time)
    if at and at > newest then
      newest = at
      members[#members + 1] = time
      members[#members + 1] = time .. ':' .. price
      seriesAdded = seriesAdded + 1
      written = true
    else
      seriesIgnored = seriesIgnored + 1
    end
    if written then ticksWritten = ticksWritten + 1 else ticksIgnored = ticksIgnored + 1 end
  end
  if last then redis.call('SET', KEYS[1], last, 'PX', ARGV[1]) end
  if #members > 0 then
    chunked('ZADD', KEYS[2], members)
    redis.call('PEXPIRE', KEYS[2], ARGV[2])
  end
  i = i + nTicks
end

i = i + 1
local tradesWritten, tradesIgnored = 0, 0
local nTrades = tonumber(ARGV[i])
if nTrades > 0 then
  local newest = redis.call('LINDEX', KEYS[3], 0)
  local stored = -1
  if newest then stored = tonumber(string.match(newest, '^(%d+)|')) or -1 end
  local elements = {}
  for t = i + 1, i + nTrades do
    local id = tonumber(string.match(ARGV[t], '^(%d+)|'))
    if id and id > stored then
      stored = id
      elements[#elements + 1] = ARGV[t]
      tradesWritten = tradesWritten + 1
    else
      tradesIgnored = tradesIgnored + 1
    end
  end
  if #elements > 0 then
    local length = chunked('LPUSH', KEYS[3], elements)
    local kept = tonumber(ARGV[4])
    if length > kept then redis.call('LTRIM', KEYS[3], 0, kept - 1) end
    redis.call('PEXPIRE', KEYS[3], ARGV[3])
  end
  i = i + nTrades
end

i = i + 1
local candlesWritten, candlesIgnored = 0, 0
local nCandles = tonumber(ARGV[i])
if nCandles > 0 then
  local fields = {}
  for c = 1, nCandles do fields[c] = ARGV[i + 2 * c - 1] end
  local stored = redis.call('HMGET', KEYS[4], unpack(fields))
  local writes, added = {}, {}
  for c = 1, nCandles do
    local value = ARGV[i + 2 * c]
    local current = stored[c]
    local write = true
    if not current then
      added[#added + 1] = 0
      added[#added + 1] = fields[c]
    elseif current == value then
      write = false
    else
      local rank, final = string.match(value, '^(%-?%d+)|(%d)|')
      if final ~= '1' then
        local storedRank, storedFinal = string.match(current, '^(%-?%d+)|(%d)|')
        write = storedFinal ~= '1' and tonumber(rank) > (tonumber(storedRank) or -2)
      end
    end
    if write then
      writes[#writes + 1] = fields[c]
      writes[#writes + 1] = value
      candlesWritten = candlesWritten + 1
    else
      candlesIgnored = candlesIgnored + 1
    end
  end
  if #writes > 0 then chunked('HSET', KEYS[4], writes) end
  if #added > 0 then chunked('ZADD', KEYS[5], added) end
end

return { ticksWritten, ticksIgnored, tradesWritten, tradesIgnored, candlesWritten, candlesIgnored,
  seriesAdded, seriesIgnored }
