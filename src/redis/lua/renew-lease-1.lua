--[[
  Extends a lease, but only for its owner: a holder whose lease already expired (and was taken
  over by another process) must learn it lost, not steal it back.

  KEYS[1]  lease key
  ARGV[1]  owner token (random, written with SET NX PX)
  ARGV[2]  new TTL in ms

  Returns  1 when the lease was ours and is extended, 0 otherwise.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
