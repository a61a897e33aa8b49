--[[
  Abandon a record whose queue job disappeared (orphans.ts), if it is still the
  record the janitor looked at: queued or error, unchanged since, and its job
  not live. Appends a JOB_MISSING dispatch and gives the record the finished TTL.

  Input:
    KEYS[1]     the message hash
    KEYS[2..7]  the status indexes, in MESSAGE_STATUSES order
    KEYS[8]     the hash of the job with the message's own id

    ARGV[1] id
    ARGV[2] now (ISO time)
    ARGV[3] the `updated_at` the janitor read
    ARGV[4] the dispatch (JSON)
    ARGV[5] finishedTtlSeconds

  Output:
    'ok'       abandoned
    'missing'  no record
    'changed'  the record changed since it was read
    'live'     the job exists and has not finished
    <status>   the record's status, when it is not queued or error
]]
--- @include "status-keys"
local h = redis.call('HMGET', KEYS[1], 'status', 'updated_at', 'dispatches')
local st = h[1]
if not st then return 'missing' end
if st ~= 'queued' and st ~= 'error' then return st end
if h[2] ~= ARGV[3] then return 'changed' end
if redis.call('EXISTS', KEYS[8]) == 1 and redis.call('HEXISTS', KEYS[8], 'finishedOn') == 0 then return 'live' end
local d = h[3]
if (not d) or d == '' or d == '[]' then d = '[' .. ARGV[4] .. ']' else d = string.sub(d, 1, -2) .. ',' .. ARGV[4] .. ']' end
redis.call('HSET', KEYS[1], 'status', 'abandoned', 'updated_at', ARGV[2], 'dispatches', d)
redis.call('ZREM', KEYS[STATUS_KEY[st]], ARGV[1])
redis.call('ZADD', KEYS[STATUS_KEY['abandoned']], 0, ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 'ok'
