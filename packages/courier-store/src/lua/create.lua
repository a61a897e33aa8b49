--[[
  Record a new message as `queued`. Run once per enqueued message, so it takes
  only the keys it writes and builds no Lua tables.

  Input:
    KEYS[1] the message hash
    KEYS[2] the `queued` status index
    KEYS[3] the all-messages index
    KEYS[4] the recipient index
    KEYS[5] the template-type index, or a placeholder (keys.noIndex)

    ARGV[1] id
    ARGV[2] m: the content (JSON)
    ARGV[3] s: the summary (JSON, records.ts)
    ARGV[4] now (ISO time)
    ARGV[5] rcptTtl: seconds the recipient index lives
    ARGV[6] hasTemplate: '1' or '0'

  Output:
    1 created
    0 a record with this id exists (nothing written)
]]
--- @include "create-record"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
create(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV[1], ARGV[2], ARGV[3], 'queued', ARGV[4], ARGV[5], ARGV[6])
return 1
