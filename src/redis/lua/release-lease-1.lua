--[[
  Releases a cache-fill single-flight lease, but only for its owner: a holder
  whose lease already expired (and was taken over by another process) must not delete the new
  owner's lease.

  KEYS[1]  lease key
  ARGV[1]  owner token (random, written with SET NX PX)

  Returns  1 when the lease was ours and is deleted, 0 otherwise.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('UNLINK', KEYS[1])
end
return 0
