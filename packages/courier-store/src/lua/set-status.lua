--[[
  Move a message from one of the allowed statuses to a new one without an
  attempt (cancel, re-queue for a manual retry). A final status gets the
  finished TTL; any other makes the record persistent again.

  Input:
    KEYS[1]     the message hash
    KEYS[2..7]  the status indexes, in MESSAGE_STATUSES order

    ARGV[1] id
    ARGV[2] now (ISO time)
    ARGV[3] the new status
    ARGV[4] finishedTtlSeconds
    ARGV[5] the allowed current statuses, comma-separated

  Output:
    'ok'       moved
    'missing'  no record
    <status>   the current status, when it is not allowed
]]
--- @include "status-keys"
--- @include "move"
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return 'missing' end
local allowed = false
for s in string.gmatch(ARGV[5], '[^,]+') do if s == st then allowed = true end end
if not allowed then return st end
move(ARGV[1], st, ARGV[3])
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'updated_at', ARGV[2])
if FINAL[ARGV[3]] then redis.call('EXPIRE', KEYS[1], ARGV[4]) else redis.call('PERSIST', KEYS[1]) end
return 'ok'
