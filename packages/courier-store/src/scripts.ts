/**
 * Lua scripts that move a message between statuses atomically: the record, its
 * status indexes and its dispatch list change together or not at all.
 *
 * Every script takes the same 10 keys (see `scriptKeys` in message-store.ts):
 * 1 message hash, 2..7 status indexes in MESSAGE_STATUSES order, 8 the all-messages
 * index, 9 the recipient index, 10 the template-type index (or a placeholder).
 */
import { FINAL_STATUSES, MESSAGE_STATUSES } from '@courier/core';

/** Number of keys every script takes. */
export const SCRIPT_KEY_COUNT = 10;

const statusTable = MESSAGE_STATUSES.map((s, i) => `${s}=${i + 2}`).join(', ');
const finalTable = [...FINAL_STATUSES].map((s) => `${s}=true`).join(', ');

const PRELUDE = `
local STATUS_KEY = { ${statusTable} }
local FINAL = { ${finalTable} }
local function move(id, from, to)
  if from and STATUS_KEY[from] then redis.call('ZREM', KEYS[STATUS_KEY[from]], id) end
  redis.call('ZADD', KEYS[STATUS_KEY[to]], 0, id)
end
local function create(id, m, status, now, rcptTtl, hasTemplate)
  redis.call('HSET', KEYS[1], 'm', m, 'status', status, 'send_count', 0, 'dispatches', '[]', 'updated_at', now)
  redis.call('ZADD', KEYS[8], 0, id)
  redis.call('ZADD', KEYS[9], 0, id)
  redis.call('EXPIRE', KEYS[9], rcptTtl)
  if hasTemplate == '1' then redis.call('ZADD', KEYS[10], 0, id) end
  move(id, nil, status)
end
`;

/** ARGV: id, m (JSON), now, rcptTtl, hasTemplate. Returns 1 if created, 0 if it existed. */
export const CREATE = `${PRELUDE}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
create(ARGV[1], ARGV[2], 'queued', ARGV[3], ARGV[4], ARGV[5])
return 1
`;

/**
 * Start an attempt. ARGV as CREATE. Returns 'ok', 'created' (the record was
 * missing and was made from the payload), or the final status that forbids the
 * attempt ('sent', 'cancelled', 'abandoned').
 */
export const BEGIN = `${PRELUDE}
local st = redis.call('HGET', KEYS[1], 'status')
if not st then
  create(ARGV[1], ARGV[2], 'processing', ARGV[3], ARGV[4], ARGV[5])
  return 'created'
end
if FINAL[st] then return st end
move(ARGV[1], st, 'processing')
redis.call('HSET', KEYS[1], 'status', 'processing', 'updated_at', ARGV[3])
return 'ok'
`;

/**
 * Record an attempt's outcome. ARGV: id, now, new status, dispatch (JSON),
 * finishedTtlSeconds. Returns 'ok', 'missing', or the final status the record
 * already has ('sent', 'abandoned', 'cancelled'), which is left alone: a final
 * status is only ever left for 'sent' (a send that did go out is the truth).
 */
export const FINISH = `${PRELUDE}
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return 'missing' end
if st == 'sent' then return 'sent' end
if FINAL[st] and ARGV[3] ~= 'sent' then return st end
local d = redis.call('HGET', KEYS[1], 'dispatches')
if (not d) or d == '' or d == '[]' then
  d = '[' .. ARGV[4] .. ']'
else
  d = string.sub(d, 1, -2) .. ',' .. ARGV[4] .. ']'
end
redis.call('HSET', KEYS[1], 'dispatches', d, 'status', ARGV[3], 'updated_at', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'send_count', 1)
move(ARGV[1], st, ARGV[3])
if FINAL[ARGV[3]] then redis.call('EXPIRE', KEYS[1], ARGV[5]) end
return 'ok'
`;

/**
 * Move a message from one of the allowed statuses to a new one without an
 * attempt (cancel, re-queue for a manual retry). ARGV: id, now, new status,
 * finishedTtlSeconds, allowed statuses (comma-separated). Returns 'ok',
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
