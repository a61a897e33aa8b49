--[[
  Take places in recipient rate-limit windows for one enqueue request, all or
  none. Each window is a sorted set of message ids scored by the time (ms,
  Redis's clock, shared by every producer) they were counted; a window holds at
  most `max` entries younger than its length (a sliding window).

  Input:
    KEYS[1..n]  one window per distinct (recipient hash, template type)

    For each key i, in order, a group of ARGV:
      max        places in the window
      windowMs   the window's length
      k          how many messages of this request go into it
      then k message ids

  Output:
    {1}                       every window had room: every id was counted
    {0, i, waitMs}            window i had no room for its k messages; nothing was
                              counted; waitMs until enough places free, or -1
                              when k alone is more than max
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local groups = {}
local pos = 1
for i = 1, #KEYS do
  local max = tonumber(ARGV[pos])
  local win = tonumber(ARGV[pos + 1])
  local k = tonumber(ARGV[pos + 2])
  local first = pos + 3
  pos = first + k
  -- An entry counted at s stays in the window while now < s + win.
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - win)
  local over = redis.call('ZCARD', KEYS[i]) + k - max
  if over > 0 then
    if k > max then return {0, i, -1} end
    -- The over-th oldest entry must leave before k new ones fit.
    local e = redis.call('ZRANGE', KEYS[i], over - 1, over - 1, 'WITHSCORES')
    return {0, i, math.max(1, tonumber(e[2]) + win - now)}
  end
  groups[i] = {first, k, win}
end
for i = 1, #KEYS do
  local g = groups[i]
  for j = g[1], g[1] + g[2] - 1 do redis.call('ZADD', KEYS[i], now, ARGV[j]) end
  redis.call('PEXPIRE', KEYS[i], g[3])
end
return {1}
