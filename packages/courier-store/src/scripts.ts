/**
 * Lua scripts that move a message between statuses atomically: the record, its
 * status indexes and its dispatch list change together or not at all.
 *
 * Keys, by position (see `createKeys` in message-store.ts; CREATE has its own,
 * shorter list): 1 the message hash,
 * 2..7 the status indexes in MESSAGE_STATUSES order; scripts that may create a
 * record also take 8 the all-messages index, 9 the recipient index and 10 the
 * template-type index (or a placeholder). The scripts run on every attempt
 * (BEGIN, FINISH) take only the first 7 on their common path, so it neither
 * builds nor sends the other three, nor the message's content.
 */
import { FINAL_STATUSES, MESSAGE_STATUSES } from '@courier/core';

/** Number of keys of the scripts that only move a status (BEGIN, FINISH, SET_STATUS). */
export const STATUS_SCRIPT_KEY_COUNT = 1 + MESSAGE_STATUSES.length;

/** Number of keys of BEGIN when it re-creates a record. */
export const CREATE_SCRIPT_KEY_COUNT = STATUS_SCRIPT_KEY_COUNT + 3;

const statusTable = MESSAGE_STATUSES.map((s, i) => `${s}=${i + 2}`).join(', ');
const finalTable = [...FINAL_STATUSES].map((s) => `${s}=true`).join(', ');

const PRELUDE = `
local STATUS_KEY = { ${statusTable} }
local FINAL = { ${finalTable} }
local function move(id, from, to)
  if from == to then return end
  if from and STATUS_KEY[from] then redis.call('ZREM', KEYS[STATUS_KEY[from]], id) end
  redis.call('ZADD', KEYS[STATUS_KEY[to]], 0, id)
end
`;

/**
 * Write a new record and its index entries: the one definition of a record, used by
 * CREATE and by BEGIN when it re-creates one. Keys are passed in, since the two
 * scripts take different key lists; it needs no prelude.
 */
const CREATE_FN = `
local function create(hash, statusIndex, allIndex, rcptIndex, templateIndex, id, m, s, status, now, rcptTtl, hasTemplate)
  redis.call('HSET', hash, 'm', m, 's', s, 'status', status, 'send_count', 0, 'dispatches', '[]', 'updated_at', now)
  redis.call('ZADD', allIndex, 0, id)
  redis.call('ZADD', rcptIndex, 0, id)
  redis.call('EXPIRE', rcptIndex, rcptTtl)
  if hasTemplate == '1' then redis.call('ZADD', templateIndex, 0, id) end
  redis.call('ZADD', statusIndex, 0, id)
end
`;

/** Number of keys of CREATE: the message hash, the `queued` index, the all-messages, recipient and template-type indexes. */
export const CREATE_KEY_COUNT = 5;

/**
 * Record a new message as `queued`. Run once per enqueued message, so it takes
 * only the keys it writes (1 the message hash, 2 the `queued` status index, 3
 * the all-messages index, 4 the recipient index, 5 the template-type index or a
 * placeholder) and builds no Lua tables. ARGV: id, m (content JSON), s (summary
 * JSON, records.ts), now, rcptTtl, hasTemplate. Returns 1 if created, 0 if it existed.
 */
export const CREATE = `${CREATE_FN}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
create(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV[1], ARGV[2], ARGV[3], 'queued', ARGV[4], ARGV[5], ARGV[6])
return 1
`;

/**
 * Start an attempt. Takes a variable number of keys:
 *
 * - 7 keys, ARGV: id, now (every attempt). Returns 'ok', 'missing' (no record:
 *   the caller calls again with the content), or the final status that forbids
 *   the attempt ('sent', 'cancelled', 'abandoned').
 * - 10 keys, ARGV: id, now, m (JSON), rcptTtl, hasTemplate, s (summary JSON) (the rare call after
 *   'missing': the record expired or was lost). Creates the record as
 *   `processing` and returns 'created'; a record that appeared in between is
 *   begun as above.
 */
export const BEGIN = `${PRELUDE}${CREATE_FN}
local st = redis.call('HGET', KEYS[1], 'status')
if not st then
  if not ARGV[3] then return 'missing' end
  create(KEYS[1], KEYS[STATUS_KEY['processing']], KEYS[8], KEYS[9], KEYS[10], ARGV[1], ARGV[3], ARGV[6], 'processing', ARGV[2], ARGV[4], ARGV[5])
  return 'created'
end
if FINAL[st] then return st end
move(ARGV[1], st, 'processing')
redis.call('HSET', KEYS[1], 'status', 'processing', 'updated_at', ARGV[2])
return 'ok'
`;

/**
 * The status indexes first (KEYS[1..6], MESSAGE_STATUSES order), then one message
 * hash per message: the key layout of the batched scripts below.
 */
const MANY_PRELUDE = `
local STATUS_KEY = { ${MESSAGE_STATUSES.map((s, i) => `${s}=${i + 1}`).join(', ')} }
local FINAL = { ${finalTable} }
local NSTATUS = ${MESSAGE_STATUSES.length}
local function move(id, from, to)
  if from == to then return end
  if from and STATUS_KEY[from] then redis.call('ZREM', KEYS[STATUS_KEY[from]], id) end
  redis.call('ZADD', KEYS[STATUS_KEY[to]], 0, id)
end
`;

/**
 * BEGIN's common path (7 keys, no content) for several messages in one call, the
 * same steps per message: for messages whose attempts start together (BullMQ
 * hands a worker several jobs in one read), one script call instead of one each.
 * KEYS: the 6 status indexes, then message i's hash at 6 + i. ARGV: now, then
 * message i's id at 1 + i. Returns one answer per message, as BEGIN's
 * ('ok', 'missing', or the final status).
 */
export const BEGIN_MANY = `${MANY_PRELUDE}
local now = ARGV[1]
local out = {}
for i = 1, #KEYS - NSTATUS do
  local hash = KEYS[NSTATUS + i]
  local id = ARGV[1 + i]
  local st = redis.call('HGET', hash, 'status')
  if not st then
    out[i] = 'missing'
  elseif FINAL[st] then
    out[i] = st
  else
    move(id, st, 'processing')
    redis.call('HSET', hash, 'status', 'processing', 'updated_at', now)
    out[i] = 'ok'
  end
end
return out
`;

/**
 * Record an attempt's outcome. 7 keys. ARGV: id, now, new status, dispatch
 * (JSON), finishedTtlSeconds. Returns 'ok', 'missing', or the final status the
 * record already has ('sent', 'abandoned', 'cancelled'), which is left alone: a
 * final status is only ever left for 'sent' (a send that did go out is the truth).
 */
export const FINISH = `${PRELUDE}
local h = redis.call('HMGET', KEYS[1], 'status', 'dispatches', 'send_count')
local st = h[1]
if not st then return 'missing' end
if st == 'sent' then return 'sent' end
if FINAL[st] and ARGV[3] ~= 'sent' then return st end
local d = h[2]
if (not d) or d == '' or d == '[]' then
  d = '[' .. ARGV[4] .. ']'
else
  d = string.sub(d, 1, -2) .. ',' .. ARGV[4] .. ']'
end
local n = (tonumber(h[3]) or 0) + 1
redis.call('HSET', KEYS[1], 'dispatches', d, 'status', ARGV[3], 'updated_at', ARGV[2], 'send_count', n)
move(ARGV[1], st, ARGV[3])
if FINAL[ARGV[3]] then redis.call('EXPIRE', KEYS[1], ARGV[5]) end
return 'ok'
`;

/**
 * FINISH for several messages in one call, the same steps per message (attempts
 * that end together: one script call instead of one each). KEYS: the 6 status
 * indexes, then message i's hash at 6 + i. ARGV: finishedTtlSeconds, then per
 * message i four values from 2 + 4(i-1): id, now, new status, dispatch (JSON).
 * Returns one answer per message, as FINISH's.
 */
export const FINISH_MANY = `${MANY_PRELUDE}
local ttl = ARGV[1]
local out = {}
for i = 1, #KEYS - NSTATUS do
  local hash = KEYS[NSTATUS + i]
  local a = 2 + 4 * (i - 1)
  local id, now, to, dispatch = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local h = redis.call('HMGET', hash, 'status', 'dispatches', 'send_count')
  local st = h[1]
  if not st then
    out[i] = 'missing'
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
    local n = (tonumber(h[3]) or 0) + 1
    redis.call('HSET', hash, 'dispatches', d, 'status', to, 'updated_at', now, 'send_count', n)
    move(id, st, to)
    if FINAL[to] then redis.call('EXPIRE', hash, ttl) end
    out[i] = 'ok'
  end
end
return out
`;

/**
 * Move a message from one of the allowed statuses to a new one without an
 * attempt (cancel, re-queue for a manual retry). 7 keys. ARGV: id, now, new
 * status, finishedTtlSeconds, allowed statuses (comma-separated). Returns 'ok',
 * 'missing', or the current status when it is not allowed.
 */
export const SET_STATUS = `${PRELUDE}
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return 'missing' end
local allowed = false
for s in string.gmatch(ARGV[5], '[^,]+') do if s == st then allowed = true end end
if not allowed then return st end
move(ARGV[1], st, ARGV[3])
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'updated_at', ARGV[2])
if FINAL[ARGV[3]] then redis.call('EXPIRE', KEYS[1], ARGV[4]) else redis.call('PERSIST', KEYS[1]) end
return 'ok'
`;
