--[[
  Marks symbols as ones the feed's alert check must visit, with the server's time: the index a
  create marks before it reads its reference price, and that `alert-symbol-prune` only empties
  of symbols not marked for a while (so a create under way is never pruned from under it).

  KEYS[1]  ZSET checked symbols of one market (symbol → time marked, ms)
  ARGV     the symbols (and, on a rebuild, the index's built marker)

  Returns  the number of members newly added.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local added = 0
for _, member in ipairs(ARGV) do
  added = added + redis.call('ZADD', KEYS[1], now, member)
end
return added
