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
 * Keys, by position (see `createKeys` in message-store.ts; CREATE has its own,
 * shorter list): 1 the message hash, 2..7 the status indexes in
 * MESSAGE_STATUSES order; scripts that may create a record also take 8 the
 * all-messages index, 9 the recipient index and 10 the template-type index (or
 * a placeholder). The scripts run on every attempt (BEGIN, FINISH) take only
 * the first 7 on their common path, so it neither builds nor sends the other
 * three, nor the message's content.
 */
import { FINAL_STATUSES, MESSAGE_STATUSES } from '@courier/core';
import { LUA_SOURCES } from './lua/sources.generated.js';

/** Number of keys of the scripts that only move a status (BEGIN, FINISH, SET_STATUS). */
export const STATUS_SCRIPT_KEY_COUNT = 1 + MESSAGE_STATUSES.length;

/** Number of keys of BEGIN when it re-creates a record. */
export const CREATE_SCRIPT_KEY_COUNT = STATUS_SCRIPT_KEY_COUNT + 3;

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
