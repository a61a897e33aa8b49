--[[
  finish.lua for several messages in one call, the same steps per message
  (attempts that end together: one script call instead of one each).

  Input:
    KEYS[1..6]  the status indexes, in MESSAGE_STATUSES order
    KEYS[6 + i] message i's hash

    ARGV[1]  finishedTtlSeconds
    then, per message i, six values from ARGV[2 + 6(i-1)]:
      id, now (ISO time), the new status, the dispatch (JSON), owner, counted
      (finish.lua's ARGV[6] and ARGV[7])

  Output:
    a table, one answer per message, as finish.lua's: 'ok', 'missing',
    'fenced', or the final status that was kept
]]
--- @include "status-keys-many"
--- @include "move"
local ttl = ARGV[1]
local out = {}
for i = 1, #KEYS - NSTATUS do
  local hash = KEYS[NSTATUS + i]
  local a = 2 + 6 * (i - 1)
  local id, now, to, dispatch, owner, counted = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5]
  local h = redis.call('HMGET', hash, 'status', 'dispatches', 'send_count', 'owner')
  local st = h[1]
  if not st then
    out[i] = 'missing'
  elseif owner ~= '' and h[4] and h[4] ~= owner then
    out[i] = 'fenced'
  elseif st == 'sent' then
    out[i] = 'sent'
  elseif FINAL[st] and to ~= 'sent' then
    out[i] = st
  else
    local d = h[2]
    if (not d) or d == '' or d == '[]' then
      d = '[' .. dispatch .. ']'
    else
      d = string.sub(d, 1, -2) .. ',' .. dispatch .. ']'
    end
    local n = tonumber(h[3]) or 0
    if counted == '1' then n = n + 1 end
    redis.call('HSET', hash, 'dispatches', d, 'status', to, 'updated_at', now, 'send_count', n)
    move(id, st, to)
    if FINAL[to] then redis.call('EXPIRE', hash, ttl) end
    out[i] = 'ok'
  end
end
return out
