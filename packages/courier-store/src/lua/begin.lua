--[[
  Start an attempt: move the message to `processing`. Takes 7 keys on every
  attempt, or 10 to re-create a lost record.

  Input:
    KEYS[1]     the message hash
    KEYS[2..7]  the status indexes, in MESSAGE_STATUSES order
    (re-creating only)
    KEYS[8]     the all-messages index
    KEYS[9]     the recipient index
    KEYS[10]    the template-type index, or a placeholder

    ARGV[1] id
    ARGV[2] now (ISO time)
    ARGV[3] owner: the attempt's owner token (the job lock's token), written as
            the record's `owner` for finish.lua's fencing; '' writes none
    (re-creating only)
    ARGV[4] m: the content (JSON)
    ARGV[5] rcptTtl
    ARGV[6] hasTemplate: '1' or '0'
    ARGV[7] s: the summary (JSON)

  Output:
    'ok'       begun
    'missing'  no record and no content given: call again with 10 keys
    'created'  the record was re-created as `processing`
    'sent' | 'cancelled' | 'abandoned'  the final status that forbids the attempt
]]
--- @include "status-keys"
--- @include "move"
--- @include "create-record"
local st = redis.call('HGET', KEYS[1], 'status')
if not st then
  if not ARGV[4] then return 'missing' end
  create(KEYS[1], KEYS[STATUS_KEY['processing']], KEYS[8], KEYS[9], KEYS[10], ARGV[1], ARGV[4], ARGV[7], 'processing', ARGV[2], ARGV[5], ARGV[6])
  if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'owner', ARGV[3]) end
  return 'created'
end
if FINAL[st] then return st end
move(ARGV[1], st, 'processing')
if ARGV[3] == '' then
  redis.call('HSET', KEYS[1], 'status', 'processing', 'updated_at', ARGV[2])
  redis.call('HDEL', KEYS[1], 'owner')
else
  redis.call('HSET', KEYS[1], 'status', 'processing', 'updated_at', ARGV[2], 'owner', ARGV[3])
end
return 'ok'
