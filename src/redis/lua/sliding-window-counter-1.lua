--[[
  Approximate sliding-window rate limit in O(1) memory and time: the count of the previous fixed
  window, weighted by how much of it still overlaps the sliding window, plus the current one.
  For coarse flood guards (per-IP default limit) where an exact log of every hit costs too much.

  KEYS[1]  HASH: fixed-window number -> hits in that window, for one subject and action
  ARGV[1]  window length, ms
  ARGV[2]  limit: hits allowed per window
  ARGV[3]  '1' records the hit when it is allowed; '0' only checks

  Returns  { allowed (1|0), estimated hits in the sliding window (including this one when
             recorded), retryAfterMs (0 when allowed, else ms until the current window ends) }
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local current = math.floor(now / window)
local counts = redis.call('HMGET', KEYS[1], tostring(current - 1), tostring(current))
local previous = tonumber(counts[1] or '0') or 0
local inCurrent = tonumber(counts[2] or '0') or 0
local overlap = 1 - (now % window) / window
local estimate = math.floor(previous * overlap) + inCurrent
if estimate < limit then
  if ARGV[3] == '1' then
    redis.call('HINCRBY', KEYS[1], tostring(current), 1)
    redis.call('HDEL', KEYS[1], tostring(current - 2))
    redis.call('PEXPIRE', KEYS[1], window * 2)
    estimate = estimate + 1
  end
  return { 1, estimate, 0 }
end
local retry = window - (now % window)
if retry < 1 then retry = 1 end
return { 0, estimate, retry }
