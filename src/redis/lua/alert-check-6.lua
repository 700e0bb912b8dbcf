--[[
  Checks one new price of a symbol against its alerts: takes every active alert the price has
  reached, marks it triggered and appends its notification to the symbol's outbox, all in one
  atomic step. An alert leaves its target set in the same step it fires, so any number of
  concurrent checkers fire it exactly once. Cost: O(log N + candidates) per side.

  Since a fired alert leaves its set at once, "every alert crossed by the move from the previous
  price to the new one" is exactly "every alert left whose target the new price has reached":
  above targets ≤ price, below targets ≥ price. Checks arriving out of order therefore cannot
  skip or repeat a trigger.

  Exact decimals with double scores: a score is the double nearest to the target (Redis parses
  the decimal string with strtod), and the window bound is the double nearest to the price,
  parsed the same way. Rounding to nearest is monotonic (t ≤ p ⇒ double(t) ≤ double(p)), so the
  inclusive ZRANGEBYSCORE window holds every alert that should fire; the only extra candidates
  are targets whose double equals the price's double while the decimals differ (beyond ~16
  significant digits). Each candidate is confirmed with an exact decimal-string comparison
  (`cmp` below) before it fires, so such an alert stays in its set until the price truly
  reaches it.

  KEYS[1]  ZSET above targets     KEYS[4]  HASH last checked price
  KEYS[2]  ZSET below targets     KEYS[5]  ZSET expiring
  KEYS[3]  HASH records           KEYS[6]  STREAM outbox
  ARGV[1]  price (plain decimal string)
  ARGV[2]  exchange time of the price (ms): the triggeredAt of what fires
  ARGV[3]  most candidates read per side (bounds one call; the caller calls again when told)

  Expired alerts (expiry ≤ the server's time) never fire: they leave their target set, are
  marked expired and stay in `expiring` for the cleanup to delete.

  Returns  {more, left, streamId1, note1, streamId2, note2, ...}: more = 1 when a side filled
           its candidate limit (call again with the same price); left = the alerts still in the
           target sets afterwards (0: the symbol may leave the feed's checked-symbol index).
]]
local function split(s)
  local i, f = string.match(s, '^(%d+)%.?(%d*)$')
  i = (string.gsub(i, '^0+', ''))
  f = (string.gsub(f, '0+$', ''))
  return i, f
end
local function cmp(a, b)
  local ai, af = split(a)
  local bi, bf = split(b)
  if #ai ~= #bi then return #ai < #bi and -1 or 1 end
  if ai ~= bi then return ai < bi and -1 or 1 end
  local n = math.max(#af, #bf)
  af = af .. string.rep('0', n - #af)
  bf = bf .. string.rep('0', n - #bf)
  if af == bf then return 0 end
  return af < bf and -1 or 1
end

local price, time, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local lastTime = redis.call('HGET', KEYS[4], 'time')
if not lastTime or tonumber(lastTime) <= time then
  redis.call('HSET', KEYS[4], 'price', price, 'time', ARGV[2])
end

local out = {0, 0}
local function take(key, ids, side)
  for _, id in ipairs(ids) do
    local raw = redis.call('HGET', KEYS[3], id)
    if not raw then
      redis.call('ZREM', key, id)
    else
      local rec = cjson.decode(raw)
      if rec.status ~= 'active' then
        redis.call('ZREM', key, id)
      elseif type(rec.expiresAt) == 'number' and rec.expiresAt <= now then
        redis.call('ZREM', key, id)
        rec.status = 'expired'
        redis.call('HSET', KEYS[3], id, cjson.encode(rec))
      else
        local c = cmp(price, rec.targetPrice)
        if (side == 'above' and c >= 0) or (side == 'below' and c <= 0) then
          redis.call('ZREM', key, id)
          redis.call('ZREM', KEYS[5], id)
          rec.status = 'triggered'
          rec.triggeredAt = time
          rec.triggerPrice = price
          redis.call('HSET', KEYS[3], id, cjson.encode(rec))
          local note = cjson.encode({
            id = 'nt_' .. string.sub(id, 4), alertId = id, userId = rec.userId, market = rec.market,
            symbol = rec.symbol, condition = rec.condition, targetPrice = rec.targetPrice,
            price = price, triggeredAt = time,
          })
          out[#out + 1] = redis.call('XADD', KEYS[6], 'MAXLEN', '~', '100000', '*', 'n', note)
          out[#out + 1] = note
        end
      end
    end
  end
end

local above = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', price, 'LIMIT', 0, limit)
local below = redis.call('ZRANGEBYSCORE', KEYS[2], price, '+inf', 'LIMIT', 0, limit)
if #above >= limit or #below >= limit then out[1] = 1 end
take(KEYS[1], above, 'above')
take(KEYS[2], below, 'below')
out[2] = redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2])
return out
