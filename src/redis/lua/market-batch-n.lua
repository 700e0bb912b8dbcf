--[[
  A feed flush's writes of several symbols in one call: per symbol its prices with their time
  series, recent trades, changed candles and single-value records (current price, best bid/ask,
  order book, 24h statistics, premium index, symbol info). One call instead of one or more per
  symbol is what lets a flush of 500 symbols cost Node a handful of commands, not a thousand.
  On a Cluster, every key of one call shares a hash slot (the caller groups symbols by slot; the
  key registry tags all of a symbol's keys alike). Every part is monotonic: what is older than
  the stored state is ignored and counted, so replays and overlapping feeds are harmless.

  ARGV[1]  price TTL ms      ARGV[2]  series TTL ms (its retention: a dead symbol's series goes)
  ARGV[3]  trades TTL ms     ARGV[4]  trades kept per symbol
  ARGV[5]  number of symbol sections; then each section:
    mode      '0': records only (no series keys); '1': series-only ticks (the stream's bulk
              copy: the price lane has already written the current price); '2': the ticks also
              set the current price (a REST answer, a direct write)
    r         records, then r x (seq, value `<seq>|<time>|<payload>`, TTL ms); they go first, so
              a current-price record queued beside price-setting ticks is stored before them
    ticks     (modes 1, 2) `<seq>|<time>|<price>` values joined by single spaces, ascending seq
    trades    (modes 1, 2) `<id>|<time>|<price>|<qty>|<side>` elements joined by spaces, ascending id
    k         (modes 1, 2) candles, then k x (field, value)
  KEYS     per section in order: one key per record; then (modes 1, 2) price, price series,
           recent trades, candles, candle index, stream series mark.

  Tick, trade and candle rules (per symbol, as one symbol's call would apply them):
  - a price-setting tick sets the price when its seq is above the stored price's, and joins the
    series only then, so an answer older than the current price joins neither;
  - a series-only tick joins when its time is after the stream series mark (KEYS 6 of the
    section), whatever REST points came between: the price lane may have let a newer REST price
    in while these ticks waited for the bulk flush, and the series must still get every stream
    point. The mark, not the series' newest point, keeps out a deposed leader's late flush;
  - a trade is written when its id is above the newest stored trade's;
  - a candle is written when it is new, when final (the exchange's closed kline wins over
    trade-built ones), or when neither it nor the stored one is final and its rank (last trade
    id) is higher; a value equal to the stored one is a replay and changes nothing;
  - a record is written when its seq is above the stored one's (an equal one is a replay).

  Returns  { price ticks written, price ticks ignored, series-only ticks written, series-only
             ticks ignored, trades written, trades ignored, candles written, candles ignored,
             records: one character per record in order, '1' written / '0' ignored }
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

local priceTtl, seriesTtl, tradesTtl, tradesKept = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local priceW, priceI, seriesW, seriesI = 0, 0, 0, 0
local tradesW, tradesI, candlesW, candlesI = 0, 0, 0, 0
local records = {}

local function ticks(k, packed, setsPrice)
  if packed == '' then return end
  local stored, mark, markText = -1, -1, nil
  if setsPrice then
    local current = redis.call('GET', KEYS[k])
    if current then stored = tonumber(string.match(current, '^(%d+)|')) or -1 end
  else
    mark = tonumber(redis.call('GET', KEYS[k + 5])) or -1
  end
  local members, last = {}, nil
  for value, seq, time, price in string.gmatch(packed, '((%d+)|(%d+)|(%S+))') do
    local joins = false
    if setsPrice then
      seq = tonumber(seq)
      if seq > stored then
        stored = seq
        last = value
        joins = true
      end
    else
      local at = tonumber(time)
      if at > mark then
        mark = at
        markText = time
        joins = true
      end
    end
    if joins then
      members[#members + 1] = time
      members[#members + 1] = time .. ':' .. price
    end
    if setsPrice then
      if joins then priceW = priceW + 1 else priceI = priceI + 1 end
    elseif joins then
      seriesW = seriesW + 1
    else
      seriesI = seriesI + 1
    end
  end
  if last then redis.call('SET', KEYS[k], last, 'PX', priceTtl) end
  if #members > 0 then
    chunked('ZADD', KEYS[k + 1], members)
    redis.call('PEXPIRE', KEYS[k + 1], seriesTtl)
  end
  if markText then redis.call('SET', KEYS[k + 5], markText, 'PX', seriesTtl) end
end

local function trades(key, packed)
  if packed == '' then return end
  local newest = redis.call('LINDEX', key, 0)
  local stored = -1
  if newest then stored = tonumber(string.match(newest, '^(%d+)|')) or -1 end
  local elements = {}
  for element, id in string.gmatch(packed, '((%d+)|%S+)') do
    id = tonumber(id)
    if id > stored then
      stored = id
      elements[#elements + 1] = element
      tradesW = tradesW + 1
    else
      tradesI = tradesI + 1
    end
  end
  if #elements > 0 then
    local length = chunked('LPUSH', key, elements)
    if length > tradesKept then redis.call('LTRIM', key, 0, tradesKept - 1) end
    redis.call('PEXPIRE', key, tradesTtl)
  end
end

-- Candles are ARGV[a + 1 .. a + 2n] as (field, value) pairs.
local function candles(key, indexKey, a, n)
  if n == 0 then return end
  local fields = {}
  for c = 1, n do fields[c] = ARGV[a + 2 * c - 1] end
  local stored = redis.call('HMGET', key, unpack(fields))
  local writes, added = {}, {}
  for c = 1, n do
    local value = ARGV[a + 2 * c]
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
      candlesW = candlesW + 1
    else
      candlesI = candlesI + 1
    end
  end
  if #writes > 0 then chunked('HSET', key, writes) end
  if #added > 0 then chunked('ZADD', indexKey, added) end
end

local function record(key, seq, value, ttl)
  local current = redis.call('GET', key)
  if current then
    local stored = tonumber(string.match(current, '^(%d+)|'))
    if stored and stored >= tonumber(seq) then
      records[#records + 1] = '0'
      return
    end
  end
  redis.call('SET', key, value, 'PX', ttl)
  records[#records + 1] = '1'
end

local a, k = 6, 1
for _ = 1, tonumber(ARGV[5]) do
  local mode = ARGV[a]
  local r = tonumber(ARGV[a + 1])
  a = a + 2
  for _ = 1, r do
    record(KEYS[k], ARGV[a], ARGV[a + 1], ARGV[a + 2])
    a = a + 3
    k = k + 1
  end
  if mode ~= '0' then
    ticks(k, ARGV[a], mode == '2')
    trades(KEYS[k + 2], ARGV[a + 1])
    local n = tonumber(ARGV[a + 2])
    candles(KEYS[k + 3], KEYS[k + 4], a + 2, n)
    a = a + 3 + 2 * n
    k = k + 6
  end
end

return { priceW, priceI, seriesW, seriesI, tradesW, tradesI, candlesW, candlesI, table.concat(records) }
