--[[
  Drops symbols from the feed's checked-symbol index once the caller saw their target sets empty,
  unless one was marked within the grace period: a create marks its symbol before it adds its
  alert, so a mark younger than the grace may belong to an alert not yet in the sets the caller
  counted. Server time on both sides (mark and prune), so no process clock skews the grace.

  KEYS[1]  ZSET checked symbols of one market (symbol → time marked, ms)
  ARGV[1]  grace (ms): longer than any create takes from its mark to its alert-create call
  ARGV[2…] symbols whose above and below target sets the caller found empty

  Returns  the symbols removed.
]]
local t = redis.call('TIME')
local cutoff = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[1])
local removed = {}
for i = 2, #ARGV do
  local marked = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if marked and tonumber(marked) <= cutoff then
    redis.call('ZREM', KEYS[1], ARGV[i])
    removed[#removed + 1] = ARGV[i]
  end
end
return removed
