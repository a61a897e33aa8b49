--[[
  begin.lua's common path (no content) for several messages in one call, the
  same steps per message: for attempts that start together (BullMQ hands a
  worker several jobs in one read), one script call instead of one each.

  Input:
    KEYS[1..6]  the status indexes, in MESSAGE_STATUSES order
    KEYS[6 + i] message i's hash

    ARGV[1]     now (ISO time), for every message
    ARGV[1 + i] message i's id

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
  local id = ARGV[1 + i]
  local st = redis.call('HGET', hash, 'status')
  if not st then
    out[i] = 'missing'
  elseif FINAL[st] then
    out[i] = st
  else
    move(id, st, 'processing')
    redis.call('HSET', hash, 'status', 'processing', 'updated_at', now)
    out[i] = 'ok'
  end
end
return out
