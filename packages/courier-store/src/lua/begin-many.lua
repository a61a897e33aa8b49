--[[
  begin.lua's common path (no content) for several messages in one call, the
  same steps per message: for attempts that start together (BullMQ hands a
  worker several jobs in one read), one script call instead of one each.

  Input:
    KEYS[1..6]  the status indexes, in MESSAGE_STATUSES order
    KEYS[6 + i] message i's hash

    ARGV[1]     now (ISO time), for every message
    then, per message i, two values from ARGV[2 + 2(i-1)]:
      id, owner (begin.lua's owner token; '' writes none)

  Output:
    a table, one answer per message, as begin.lua's: 'ok', 'missing', or the
    final status ('sent', 'cancelled', 'abandoned')
]]
--- @include "status-keys-many"
--- @include "move"
local now = ARGV[1]
local out = {}
for i = 1, #KEYS - NSTATUS do
  local hash = KEYS[NSTATUS + i]
  local id, owner = ARGV[2 * i], ARGV[2 * i + 1]
  local st = redis.call('HGET', hash, 'status')
  if not st then
    out[i] = 'missing'
  elseif FINAL[st] then
    out[i] = st
  else
    move(id, st, 'processing')
    if owner == '' then
      redis.call('HSET', hash, 'status', 'processing', 'updated_at', now)
      redis.call('HDEL', hash, 'owner')
    else
      redis.call('HSET', hash, 'status', 'processing', 'updated_at', now, 'owner', owner)
    end
    out[i] = 'ok'
  end
end
return out
