--[[
  Take a slot of a channel's send rate (GCRA, the generic cell rate algorithm),
  on Redis's clock so every worker shares one schedule. The key holds the
  theoretical arrival time (TAT, microseconds): the moment the rate is back to
  idle. A slot is free while TAT - (burst - 1) * interval <= now.

  Input:
    KEYS[1]  the channel's TAT

    ARGV[1]  interval: microseconds per slot (per_seconds / max)
    ARGV[2]  burst: slots that may be taken at once after an idle spell

  Output:
    {1, 0}       a slot was taken
    {0, waitMs}  no slot; the next one frees in waitMs (nothing was taken)
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tau = (tonumber(ARGV[2]) - 1) * interval
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local allowAt = tat - tau
if allowAt > now then return {0, math.ceil((allowAt - now) / 1000)} end
local newTat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', newTat), 'PX', math.ceil((newTat - now) / 1000) + 1000)
return {1, 0}
