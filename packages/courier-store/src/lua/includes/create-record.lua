--[[
  create(...): write a new record and its index entries: the one definition of a
  record, used by create.lua and by begin.lua when it re-creates one
  (create-many.lua writes the same per message, with shared index entries
  batched). Keys are
  passed in, since the two scripts take different key lists.
]]
local function create(hash, statusIndex, allIndex, rcptIndex, templateIndex, id, m, s, status, now, rcptTtl, hasTemplate)
  redis.call('HSET', hash, 'm', m, 's', s, 'status', status, 'send_count', 0, 'dispatches', '[]', 'updated_at', now)
  redis.call('ZADD', allIndex, 0, id)
  redis.call('ZADD', rcptIndex, 0, id)
  redis.call('EXPIRE', rcptIndex, rcptTtl)
  if hasTemplate == '1' then redis.call('ZADD', templateIndex, 0, id) end
  redis.call('ZADD', statusIndex, 0, id)
end
