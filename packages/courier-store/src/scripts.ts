/**
 * Courier's Lua scripts, which move a message between statuses atomically: the
 * record, its status indexes and its dispatch list change together or not at
 * all. Each script is a file of lua/ whose header documents its KEYS, ARGV and
 * answers; lua/includes/ holds the pieces several share. The files reach the
 * build as lua/sources.generated.ts (test/lua-sources.test.ts keeps it in step),
 * and this module assembles them: a line `--- @include "name"` is replaced by
 * lua/includes/name.lua, or by a table built here from core's statuses:
 *
 * - `status-keys`: STATUS_KEY (status -> KEYS position, from 2: KEYS[1] is the
 *   message hash) and FINAL (the final statuses), for the one-message scripts;
 * - `status-keys-many`: the same with positions from 1 and NSTATUS, for the
 *   batched scripts, whose KEYS start with the status indexes.
 *
 * Keys, by position (lua/calls.ts lays each script's out; CREATE has its own,
 * shorter list): 1 the message hash, 2..7 the status indexes in
 * MESSAGE_STATUSES order; scripts that may create a record also take 8 the
 * all-messages index, 9 the recipient index and 10 the template-type index (or
 * a placeholder). The scripts run on every attempt (BEGIN, FINISH) take only
 * the first 7 on their common path, so it neither builds nor sends the other
 * three, nor the message's content.
 */
import { FINAL_STATUSES, MESSAGE_STATUSES, type MessageStatus } from '@courier/core';
import { LUA_SOURCES } from './lua/sources.generated.js';

/** Number of keys of the scripts that only move a status (BEGIN, FINISH, SET_STATUS). */
export const STATUS_SCRIPT_KEY_COUNT = 1 + MESSAGE_STATUSES.length;

/** Number of keys of CREATE: the message hash, the `queued` index, the all-messages, recipient and template-type indexes. */
export const CREATE_KEY_COUNT = 5;

const finalTable = `local FINAL = { ${[...FINAL_STATUSES].map((s) => `${s}=true`).join(', ')} }`;

/** The includes built here rather than read from a file. */
const GENERATED_INCLUDES: Readonly<Record<string, string>> = {
  'status-keys': `local STATUS_KEY = { ${MESSAGE_STATUSES.map((s, i) => `${s}=${i + 2}`).join(', ')} }\n${finalTable}\n`,
  'status-keys-many': `local STATUS_KEY = { ${MESSAGE_STATUSES.map((s, i) => `${s}=${i + 1}`).join(', ')} }\n${finalTable}\nlocal NSTATUS = ${MESSAGE_STATUSES.length}\n`,
};

type LuaName = keyof typeof LUA_SOURCES;

function source(name: string): string {
  const key = name.replaceAll('-', '_');
  if (!(key in LUA_SOURCES)) throw new Error(`no Lua file ${name}.lua`);
  return LUA_SOURCES[key as LuaName];
}

/** A script's text with its includes in place. */
function loadLua(name: string): string {
  return source(name).replace(/^--- @include "([a-z-]+)"$/gm, (_line, include: string) => GENERATED_INCLUDES[include] ?? source(include));
}

/** lua/create.lua: record a new message as `queued`. */
export const CREATE = loadLua('create');
/** lua/create-many.lua: CREATE for the messages of one enqueue call. */
export const CREATE_MANY = loadLua('create-many');
/** lua/begin.lua: start an attempt (7 keys), or re-create a lost record (10 keys). */
export const BEGIN = loadLua('begin');
/** lua/begin-many.lua: BEGIN's common path for several messages. */
export const BEGIN_MANY = loadLua('begin-many');
/** lua/finish.lua: record an attempt's outcome. */
export const FINISH = loadLua('finish');
/** lua/finish-many.lua: FINISH for several messages. */
export const FINISH_MANY = loadLua('finish-many');
/** lua/set-status.lua: move a message between allowed statuses without an attempt. */
export const SET_STATUS = loadLua('set-status');
/** lua/settle-orphan.lua: abandon a record whose queue job disappeared (orphans.ts). */
export const SETTLE_ORPHAN = loadLua('settle-orphan');

/** The final statuses a script answers when one forbids its move. */
type FinalStatus = 'sent' | 'cancelled' | 'abandoned';
const FINAL_ANSWERS: readonly FinalStatus[] = ['sent', 'cancelled', 'abandoned'];

/** Answer of lua/begin.lua and, per message, lua/begin-many.lua. */
export type BeginAnswer = 'ok' | 'created' | 'missing' | FinalStatus;
/** Answer of lua/finish.lua and, per message, lua/finish-many.lua. */
export type FinishAnswer = 'ok' | 'missing' | 'fenced' | FinalStatus;
/** Answer of lua/set-status.lua: moved, no record, or the current status when it is not allowed. */
export type SetStatusAnswer = 'ok' | 'missing' | MessageStatus;
/** Answer of lua/settle-orphan.lua. */
export type SettleOrphanAnswer = 'ok' | 'missing' | 'changed' | 'live' | MessageStatus;

function oneOf<T extends string>(script: string, allowed: readonly T[], raw: unknown): T {
  if (typeof raw === 'string' && (allowed as readonly string[]).includes(raw)) return raw as T;
  throw new Error(`unexpected answer from ${script}: ${typeof raw === 'string' ? raw : typeof raw}`);
}

function many<T extends string>(script: string, allowed: readonly T[], raw: unknown): T[] {
  if (!Array.isArray(raw)) throw new Error(`unexpected answer from ${script}: ${typeof raw}`);
  return raw.map((r) => oneOf(script, allowed, r));
}

const BEGIN_ANSWERS: readonly BeginAnswer[] = ['ok', 'created', 'missing', ...FINAL_ANSWERS];
const FINISH_ANSWERS: readonly FinishAnswer[] = ['ok', 'missing', 'fenced', ...FINAL_ANSWERS];
const SET_STATUS_ANSWERS: readonly SetStatusAnswer[] = ['ok', 'missing', ...MESSAGE_STATUSES];
const SETTLE_ORPHAN_ANSWERS: readonly SettleOrphanAnswer[] = ['ok', 'missing', 'changed', 'live', ...MESSAGE_STATUSES];

/** Parse a raw script answer into its union type; an answer the script cannot give throws. */
export const parseAnswer = {
  create: (raw: unknown): boolean => {
    if (raw !== 0 && raw !== 1) throw new Error(`unexpected answer from create.lua: ${String(raw)}`);
    return raw === 1;
  },
  begin: (raw: unknown): BeginAnswer => oneOf('begin.lua', BEGIN_ANSWERS, raw),
  beginMany: (raw: unknown): BeginAnswer[] => many('begin-many.lua', BEGIN_ANSWERS, raw),
  finish: (raw: unknown): FinishAnswer => oneOf('finish.lua', FINISH_ANSWERS, raw),
  finishMany: (raw: unknown): FinishAnswer[] => many('finish-many.lua', FINISH_ANSWERS, raw),
  setStatus: (raw: unknown): SetStatusAnswer => oneOf('set-status.lua', SET_STATUS_ANSWERS, raw),
  settleOrphan: (raw: unknown): SettleOrphanAnswer => oneOf('settle-orphan.lua', SETTLE_ORPHAN_ANSWERS, raw),
};
