--[[
  Counts one failed login of a user id from any address, and says when the count first reaches
  the alert threshold in a window. Never refuses anything: this budget only raises an alert,
  so a distributed attack cannot lock the user out.

  O(1) memory whatever the attack's size: the two-window weighted counter of
  sliding-window-counter-1.lua (a fixed window would let an attacker split 2x the threshold
  across a boundary unseen), plus the number of the window that last raised an alert, so one
  user raises at most one alert per window while an attack goes on.

  KEYS[1]  HASH: fixed-window number -> failures in that window; `alerted` -> last alerting window
  ARGV[1]  window length, ms
  ARGV[2]  alert threshold: failures per sliding window

  Returns  { estimated failures in the sliding window (including this one), alert (1|0) }
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local threshold = tonumber(ARGV[2])
local current = math.floor(now / window)
local inCurrent = redis.call('HINCRBY', KEYS[1], tostring(current), 1)
redis.call('HDEL', KEYS[1], tostring(current - 2))
redis.call('PEXPIRE', KEYS[1], window * 2)
local fields = redis.call('HMGET', KEYS[1], tostring(current - 1), 'alerted')
local previous = tonumber(fields[1] or '0') or 0
local alerted = tonumber(fields[2] or '-1') or -1
local overlap = 1 - (now % window) / window
local estimate = math.floor(previous * overlap) + inCurrent
if estimate >= threshold and alerted ~= current then
  redis.call('HSET', KEYS[1], 'alerted', tostring(current))
  return { estimate, 1 }
end
return { estimate, 0 }
