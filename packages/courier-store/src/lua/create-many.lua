--[[
  create.lua for the messages of one enqueue call in one script call (a batch
  request), the same steps per message: one EVALSHA, one reply and one round of
  argument handling for the whole call instead of one each.

  Input:
    KEYS[1]          the `queued` status index
    KEYS[2]          the all-messages index
    KEYS[3i]         message i's hash (i from 1)
    KEYS[3i + 1]     message i's recipient index
    KEYS[3i + 2]     message i's template-type index, or a placeholder (keys.noIndex)

    ARGV[1]          rcptTtl: seconds a recipient index lives
    ARGV[5i - 3]     message i's id
    ARGV[5i - 2]     m: its content (JSON)
    ARGV[5i - 1]     s: its summary (JSON, records.ts)
    ARGV[5i]         now (ISO time)
    ARGV[5i + 1]     hasTemplate: '1' or '0'

  Output:
    a table, one answer per message, as create.lua's: 1 created, 0 a record
    with this id exists (nothing written for it)
]]
-- The same record and index entries as create() (includes/create-record.lua)
-- writes for each message (test/enqueue.test.ts compares the two), but the
-- entries of the indexes every message shares (all-messages, `queued`, a
-- template type) go in with one ZADD per index for the call instead of one per
-- message. Members are added in chunks (Lua's unpack has a stack limit).
local CHUNK = 500
local function zaddAll(key, ids)
  for from = 1, #ids, CHUNK do
    local args = {}
    for j = from, math.min(from + CHUNK - 1, #ids) do
      args[#args + 1] = 0
      args[#args + 1] = ids[j]
    end
    redis.call('ZADD', key, unpack(args))
  end
end
local rcptTtl = ARGV[1]
local out = {}
local created = {}
local byTemplate = {}
for i = 1, (#KEYS - 2) / 3 do
  local hash = KEYS[3 * i]
  local a = 5 * i - 3
  local id = ARGV[a]
  if redis.call('EXISTS', hash) == 1 then
    out[i] = 0
  else
    redis.call('HSET', hash, 'm', ARGV[a + 1], 's', ARGV[a + 2], 'status', 'queued', 'send_count', 0, 'dispatches', '[]', 'updated_at', ARGV[a + 3])
    redis.call('ZADD', KEYS[3 * i + 1], 0, id)
    redis.call('EXPIRE', KEYS[3 * i + 1], rcptTtl)
    if ARGV[a + 4] == '1' then
      local tpl = KEYS[3 * i + 2]
      local ids = byTemplate[tpl]
      if ids == nil then
        ids = {}
        byTemplate[tpl] = ids
      end
      ids[#ids + 1] = id
    end
    created[#created + 1] = id
    out[i] = 1
  end
end
if #created > 0 then
  zaddAll(KEYS[2], created)
  for tpl, ids in pairs(byTemplate) do zaddAll(tpl, ids) end
  zaddAll(KEYS[1], created)
end
return out
