--[[
  Record an attempt's outcome: append the dispatch, move the status, and give
  a final record its TTL.

  Input:
    KEYS[1]     the message hash
    KEYS[2..7]  the status indexes, in MESSAGE_STATUSES order

    ARGV[1] id
    ARGV[2] now (ISO time)
    ARGV[3] the new status
    ARGV[4] the dispatch (JSON)
    ARGV[5] finishedTtlSeconds
    ARGV[6] owner: the token the attempt began with (begin.lua); '' skips the check
    ARGV[7] counted: '1' when the attempt was a send (send_count grows), '0' when
            it ended before any hand-over (an expiry, an invalid payload)

  Output:
    'ok'       recorded
    'missing'  no record
    'fenced'   the record names another owner: a worker took the message over
               since this attempt began; nothing is recorded
    'sent' | 'abandoned' | 'cancelled'  the final status the record already has,
               left alone (a final status is only ever left for 'sent': a send
               that did go out is the truth)
]]
--- @include "status-keys"
--- @include "move"
local h = redis.call('HMGET', KEYS[1], 'status', 'dispatches', 'send_count', 'owner')
local st = h[1]
if not st then return 'missing' end
if ARGV[6] ~= '' and h[4] and h[4] ~= ARGV[6] then return 'fenced' end
if st == 'sent' then return 'sent' end
if FINAL[st] and ARGV[3] ~= 'sent' then return st end
local d = h[2]
if (not d) or d == '' or d == '[]' then
  d = '[' .. ARGV[4] .. ']'
else
  d = string.sub(d, 1, -2) .. ',' .. ARGV[4] .. ']'
end
local n = (tonumber(h[3]) or 0)
if ARGV[7] == '1' then n = n + 1 end
redis.call('HSET', KEYS[1], 'dispatches', d, 'status', ARGV[3], 'updated_at', ARGV[2], 'send_count', n)
move(ARGV[1], st, ARGV[3])
if FINAL[ARGV[3]] then redis.call('EXPIRE', KEYS[1], ARGV[5]) end
return 'ok'
