--[[
  Admits one login attempt against the two failure budgets that can refuse it, atomically, and
  counts it as a failure until the caller learns otherwise (a success takes it back). Counting
  before the key check is what keeps concurrent guesses inside the budget: a burst of requests
  cannot all pass the check before the first failure is written.

  Both keys carry the address as hash tag, so they share one Cluster slot.

  KEYS[1]  ZSET (score = server time, ms) of one user id's failures from one address
  KEYS[2]  ZSET of the failures of one address, whatever the user id
  ARGV[1]  window length, ms
  ARGV[2]  failures one user id may have from one address per window
  ARGV[3]  failures one address may have per window
  ARGV[4]  unique member for this attempt

  Returns  { admitted (1|0), refused by (0 none, 1 user id + address, 2 address),
             failures of the refusing budget (0 when admitted), retryAfterMs (0 when admitted:
             else ms until enough failures leave the window for one more attempt) }

  A refused attempt is not recorded: it tried no key, so it is no failure, and an attacker
  cannot stretch a block forever by hammering it.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limits = { tonumber(ARGV[2]), tonumber(ARGV[3]) }

for i = 1, 2 do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
end
for i = 1, 2 do
  local count = redis.call('ZCARD', KEYS[i])
  if count >= limits[i] then
    -- The (count - limit + 1)th oldest failure must leave before one more fits (the limit may
    -- have been lowered since those failures were written).
    local nth = redis.call('ZRANGE', KEYS[i], count - limits[i], count - limits[i], 'WITHSCORES')
    local retry = window
    if nth[2] then retry = tonumber(nth[2]) + window - now end
    if retry < 1 then retry = 1 end
    return { 0, i, count, retry }
  end
end
for i = 1, 2 do
  redis.call('ZADD', KEYS[i], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[i], window)
end
return { 1, 0, 0, 0 }
