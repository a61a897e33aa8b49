--[[
  Take or reserve a slot of a channel's send rate for one job (GCRA, the generic
  cell rate algorithm), on Redis's clock so every worker shares one schedule.
  The TAT key holds the theoretical arrival time (microseconds): the moment the
  schedule is back to idle. A slot is free now while TAT - (burst - 1) * interval
  <= now; otherwise the next one is reserved for the job, which waits for it and
  then calls again to use it: one reservation, one wait and one wake per job,
  however long the backlog.

  Input:
    KEYS[1]  the channel's TAT
    KEYS[2]  the channel's reservations (sorted set: job id -> slot time, ms)

    ARGV[1]  interval: microseconds per slot (per_seconds / max)
    ARGV[2]  burst: slots that may be taken at once after an idle spell
    ARGV[3]  the job id
    ARGV[4]  deadline (ms since the epoch; 0: none): a slot after it is not reserved

  Output:
    {1, 0}       a slot is the job's now (a free one, or the one it reserved)
    {0, waitMs}  a slot is reserved for the job in waitMs (or its reservation is not due yet)
    {2, waitMs}  the next slot, in waitMs, comes after the deadline: nothing was reserved
]]
local t = redis.call('TIME')
local nowUs = tonumber(t[1]) * 1000000 + tonumber(t[2])
local nowMs = math.floor(nowUs / 1000)
local held = redis.call('ZSCORE', KEYS[2], ARGV[3])
if held then
  held = tonumber(held)
  -- A few ms of grace: the worker's timer and Redis's clock are not one clock.
  if held > nowMs + 5 then return {0, held - nowMs} end
  redis.call('ZREM', KEYS[2], ARGV[3])
  return {1, 0}
end
local interval = tonumber(ARGV[1])
local tau = (tonumber(ARGV[2]) - 1) * interval
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < nowUs then tat = nowUs end
local slot = tat - tau
if slot < nowUs then slot = nowUs end
local waitMs = math.ceil((slot - nowUs) / 1000)
local deadline = tonumber(ARGV[4])
if waitMs > 0 and deadline > 0 and nowMs + waitMs > deadline then return {2, waitMs} end
local newTat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', newTat), 'PX', math.ceil((newTat - nowUs) / 1000) + 1000)
if waitMs <= 0 then return {1, 0} end
redis.call('ZADD', KEYS[2], nowMs + waitMs, ARGV[3])
-- Reservations of jobs that never came back (cancelled, removed) are dropped after an hour.
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', nowMs - 3600000)
redis.call('PEXPIRE', KEYS[2], waitMs + 3600000)
return {0, waitMs}
