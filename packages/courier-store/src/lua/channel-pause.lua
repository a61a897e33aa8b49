--[[
  Hold a channel's send rate back after the provider answered "throttled": no
  new slot is given out before now + pause (slots already reserved are kept).

  Input:
    KEYS[1]  the channel's TAT

    ARGV[1]  pause in milliseconds
    ARGV[2]  the burst tolerance in microseconds ((burst - 1) * interval)

  Output:
    1  the schedule was pushed back
    0  it already reached past the pause
]]
local t = redis.call('TIME')
local nowUs = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
-- The first slot after the pause is at TAT - tau.
local target = nowUs + tonumber(ARGV[1]) * 1000 + tonumber(ARGV[2])
if tat >= target then return 0 end
redis.call('SET', KEYS[1], string.format('%.0f', target), 'PX', math.ceil((target - nowUs) / 1000) + 1000)
return 1
