--[[
  Sliding-window log rate limit: at most ARGV[2] hits in any ARGV[1] ms, counted exactly (a
  fixed window would let 2x the limit through around a window boundary).

  KEYS[1]  ZSET of hits (score = server time in ms) of one subject for one action
  ARGV[1]  window length, ms
  ARGV[2]  limit: hits allowed per window
  ARGV[3]  unique member for this hit
  ARGV[4]  '1' records the hit when it is allowed; '0' only checks

  Returns  { allowed (1|0), hits in the window (including this one when recorded),
             retryAfterMs (0 when allowed, else ms until the oldest hit leaves the window) }

  Refused hits are not recorded: an attacker cannot keep a victim locked out forever, yet never
  gets more than the limit per window. Uses the server clock (TIME) so all app instances agree.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  if ARGV[4] == '1' then
    redis.call('ZADD', KEYS[1], now, ARGV[3])
    redis.call('PEXPIRE', KEYS[1], window)
    count = count + 1
  end
  return { 1, count, 0 }
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local retry = window
if oldest[2] then retry = tonumber(oldest[2]) + window - now end
if retry < 1 then retry = 1 end
return { 0, count, retry }
