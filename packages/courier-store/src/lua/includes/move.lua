--[[
  move(id, from, to): move a message id from its status index to another.
  Needs STATUS_KEY (status -> KEYS position), put before it by the loader.
]]
local function move(id, from, to)
  if from == to then return end
  if from and STATUS_KEY[from] then redis.call('ZREM', KEYS[STATUS_KEY[from]], id) end
  redis.call('ZADD', KEYS[STATUS_KEY[to]], 0, id)
end
