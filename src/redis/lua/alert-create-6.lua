--[[
  Adds one price alert to its symbol, or triggers it at once when the reference price is already
  at or past its target. One atomic step with every check of the symbol (same hash tag), so an
  alert is either in a target set before a check reads it or has already fired: never both,
  never neither.

  KEYS[1]  ZSET above targets (alertId → target)
  KEYS[2]  ZSET below targets
  KEYS[3]  HASH records (alertId → JSON)
  KEYS[4]  HASH last checked price (`price`, `time`)
  KEYS[5]  ZSET expiring (alertId → expiry ms)
  KEYS[6]  STREAM outbox of triggers
  ARGV[1]  alert id
  ARGV[2]  record JSON (status "active"; side and referencePrice are set here)
  ARGV[3]  condition: above | below | crosses
  ARGV[4]  target price, a plain positive decimal string
  ARGV[5]  current price from the price cache, or '' when none
  ARGV[6]  exchange time (ms) of ARGV[5], or ''
  ARGV[7]  expiry (epoch ms), or '' for none

  Reference price: the newer (by exchange time) of the last checked price and ARGV[5].
  Returns  {0}                          a crosses alert without any reference price (nothing written)
           {1, record}                  added, active
           {2, record, streamId, note}  triggered at once (the notification is in the outbox)

  Exact decimals: see alert-check-6.lua; the same comparison is used here.
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

local id, condition, target = ARGV[1], ARGV[3], ARGV[4]
local ref, refTime = nil, nil
local last = redis.call('HMGET', KEYS[4], 'price', 'time')
if last[1] then ref, refTime = last[1], tonumber(last[2]) end
if ARGV[5] ~= '' and (ref == nil or tonumber(ARGV[6]) > refTime) then ref, refTime = ARGV[5], tonumber(ARGV[6]) end

local side, fires
if condition == 'above' then
  side = 'above'
  fires = ref ~= nil and cmp(ref, target) >= 0
elseif condition == 'below' then
  side = 'below'
  fires = ref ~= nil and cmp(ref, target) <= 0
else
  if ref == nil then return {0} end
  local c = cmp(ref, target)
  -- Relative to the price at creation: from below it must rise to the target, from above fall to it.
  if c < 0 then side = 'above' elseif c > 0 then side = 'below' else side = 'above' end
  fires = c == 0
end

local rec = cjson.decode(ARGV[2])
rec.side = side
rec.referencePrice = ref or cjson.null
if fires then
  rec.status = 'triggered'
  rec.triggeredAt = refTime
  rec.triggerPrice = ref
  local encoded = cjson.encode(rec)
  redis.call('HSET', KEYS[3], id, encoded)
  local note = cjson.encode({
    id = 'nt_' .. string.sub(id, 4), alertId = id, userId = rec.userId, market = rec.market,
    symbol = rec.symbol, condition = condition, targetPrice = target, price = ref, triggeredAt = refTime,
  })
  local sid = redis.call('XADD', KEYS[6], 'MAXLEN', '~', '100000', '*', 'n', note)
  return {2, encoded, sid, note}
end
local encoded = cjson.encode(rec)
redis.call('HSET', KEYS[3], id, encoded)
redis.call('ZADD', KEYS[side == 'above' and 1 or 2], target, id)
if ARGV[7] ~= '' then redis.call('ZADD', KEYS[5], ARGV[7], id) end
return {1, encoded}
