/**
 * A MULTI that carries only the Lua scripts it will run.
 *
 * ioredis's `Pipeline` constructor copies every script defined on its connection
 * onto the new object (two properties each). The producer's connection carries
 * BullMQ's ~64 scripts beside Courier's, so a plain `multi()` cost ~40 us of CPU,
 * the largest single item of an enqueue. The constructor reads the connection's
 * script registry (`scriptsSet`) and nothing else of it for that copy, so
 * {@link leanMulti} shows it a registry holding only the wanted scripts for the
 * duration of the (synchronous) call and puts the full one back before anything
 * else can run. The transaction is an ordinary ioredis MULTI on the same
 * connection: same socket, same cluster slot routing and redirection handling,
 * same EVALSHA/EVAL handling of scripts (a script is sent as EVAL the first time
 * on each socket, so a restarted Redis gets the script text again).
 *
 * Only the registry's keys matter: the copied functions are read from the
 * connection itself. If ioredis ever stops reading `scriptsSet`, the MULTI simply
 * carries all scripts again (slower, still correct); if it lacks a wanted
 * script, callers see it (enqueue checks for its methods and command count).
 */
import { Cluster, type ChainableCommander } from 'ioredis';
import type { RedisConnection } from './connection.js';

/** The part of an ioredis client's internals {@link leanMulti} relies on. */
interface ScriptRegistry {
  scriptsSet?: Record<string, unknown> | undefined;
}

interface LeanSet {
  /** The registry it was taken from. */
  readonly from: Record<string, unknown>;
  readonly lean: Record<string, unknown>;
}

/**
 * Which scripts a lean MULTI keeps.
 *
 * @param keep - Whether a script (by its defined name) is kept.
 * @param required - Names (or `name:` prefixes, for BullMQ's versioned names) that
 *   must each match a defined script before the lean set is used; until then
 *   {@link leanMulti} builds a full MULTI.
 */
export interface LeanScripts {
  readonly keep: (name: string) => boolean;
  readonly required: readonly string[];
}

const cache = new WeakMap<object, WeakMap<LeanScripts, LeanSet>>();

function matches(name: string, wanted: string): boolean {
  return name === wanted || (wanted.endsWith(':') && name.startsWith(wanted));
}

function leanSetOf(redis: RedisConnection, scripts: LeanScripts): Record<string, unknown> | undefined {
  const all = (redis as unknown as ScriptRegistry).scriptsSet;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- an ioredis internal: checked at run time whatever its declared type
  if (all === null || typeof all !== 'object') return undefined;
  let perConnection = cache.get(redis);
  const cached = perConnection?.get(scripts);
  // Derived once every required script is defined (BullMQ defines all of its
  // scripts at once, before its queue is ready).
  if (cached !== undefined && cached.from === all) return cached.lean;
  const names = Object.keys(all);
  if (!scripts.required.every((wanted) => names.some((name) => matches(name, wanted)))) return undefined;
  const lean: Record<string, unknown> = {};
  for (const name of names) if (scripts.keep(name)) lean[name] = all[name];
  if (perConnection === undefined) {
    perConnection = new WeakMap();
    cache.set(redis, perConnection);
  }
  perConnection.set(scripts, { from: all, lean });
  return lean;
}

/**
 * Build a MULTI with `build` (e.g. `() => client.multi()`, through any adapter
 * over `redis`) while `redis` shows only the scripts `scripts` keeps.
 *
 * @param redis - The raw ioredis connection the MULTI is created on.
 */
export function leanMulti<T extends ChainableCommander>(redis: RedisConnection, scripts: LeanScripts, build: () => T): T {
  const lean = leanSetOf(redis, scripts);
  if (lean === undefined) return build();
  const registry = redis as unknown as ScriptRegistry;
  const all = registry.scriptsSet;
  registry.scriptsSet = lean;
  try {
    return build();
  } finally {
    registry.scriptsSet = all;
  }
}

/**
 * Load the scripts `scripts` keeps into Redis's script cache (every master of a
 * cluster). ioredis sends a script as EVAL the first time on each socket and
 * EVALSHA after that, and learns of a NOSCRIPT only from a command's own reply;
 * inside a MULTI the error comes in EXEC's reply instead, so after a SCRIPT FLUSH
 * on a live connection its transactions would fail until it reconnects. Call
 * this when a transaction answered NOSCRIPT.
 */
export async function loadLeanScripts(redis: RedisConnection, scripts: LeanScripts): Promise<void> {
  const all = (redis as unknown as ScriptRegistry).scriptsSet ?? {};
  const lua = Object.entries(all)
    .filter(([name]) => scripts.keep(name))
    .map(([, script]) => (script as { lua?: unknown }).lua)
    .filter((text): text is string => typeof text === 'string');
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  await Promise.all(nodes.flatMap((node) => lua.map((text) => node.script('LOAD', text))));
}
