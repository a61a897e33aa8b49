/**
 * Fallback chains (Courier extension): `courier.fallback` for the default `email`
 * channel and `courier.channels[].fallback` for a configured one name the channels a
 * message goes through next when its own fails transiently or has an open circuit.
 *
 * A chain is the channel followed by its fallbacks, then theirs, breadth first,
 * each channel once. This module resolves chains and checks them: ids exist, no
 * cycle, no channel falls back to one that cannot carry any of its message types
 * (an SMS channel to an SMTP one), at most {@link MAX_CHAIN_LENGTH} channels.
 */
import type { MessageType } from '../message.js';

/** The id of the default e-mail channel (`courier.delivery_strategy`). */
export const EMAIL_CHANNEL_ID = 'email';
/** Most entries of one `fallback` list. */
export const MAX_FALLBACKS = 4;
/** Most channels one message may go through in an attempt: the channel and its resolved fallbacks. */
export const MAX_CHAIN_LENGTH = 5;

/** The parts of a configured channel the checks read. */
interface ChannelLike {
  readonly id: string;
  readonly type: 'http' | 'smtp';
  readonly fallback?: readonly string[] | undefined;
}

/** The parts of `courier` the checks read. */
interface SectionLike {
  readonly fallback?: readonly string[] | undefined;
  readonly channels: readonly ChannelLike[];
}

/** One problem, with its path below `courier`. */
export interface FallbackIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

const EMAIL_ONLY: readonly MessageType[] = ['email'];
const SMS_ONLY: readonly MessageType[] = ['sms'];
const ANY_TYPE: readonly MessageType[] = ['email', 'sms'];

/**
 * The message types a channel can carry: the default `email` channel and `type: smtp`
 * channels carry e-mail; Kratos's `sms` channel carries SMS; another HTTP channel may
 * carry either (an e-mail API, an SMS gateway).
 */
export function channelCarries(id: string, type: 'http' | 'smtp' | 'email'): readonly MessageType[] {
  if (type === 'email' || type === 'smtp') return EMAIL_ONLY;
  return id === 'sms' ? SMS_ONLY : ANY_TYPE;
}

/** Each channel id's direct fallbacks (empty when it has none), `email` included. */
export function fallbackGraph(section: SectionLike): ReadonlyMap<string, readonly string[]> {
  const graph = new Map<string, readonly string[]>([[EMAIL_CHANNEL_ID, section.fallback ?? []]]);
  for (const ch of section.channels) graph.set(ch.id, ch.fallback ?? []);
  return graph;
}

/**
 * The chain of a channel: itself, then its fallbacks breadth first (its own list in
 * order, then their lists), each id once, unknown ids left out.
 */
export function fallbackChain(graph: ReadonlyMap<string, readonly string[]>, id: string): string[] {
  const chain = [id];
  for (let i = 0; i < chain.length; i++) {
    for (const next of graph.get(chain[i] as string) ?? []) {
      if (graph.has(next) && !chain.includes(next)) chain.push(next);
    }
  }
  return chain;
}

/** The first cycle reachable from `start`, as the ids along it (`a -> b -> a`), or undefined. */
function cycleFrom(graph: ReadonlyMap<string, readonly string[]>, start: string): string[] | undefined {
  const path: string[] = [];
  const done = new Set<string>();
  const visit = (id: string): string[] | undefined => {
    const at = path.indexOf(id);
    if (at >= 0) return [...path.slice(at), id];
    if (done.has(id) || !graph.has(id)) return undefined;
    path.push(id);
    for (const next of graph.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    done.add(id);
    return undefined;
  };
  return visit(start);
}

/** Every problem of the fallback configuration (empty when there are no fallbacks). */
export function fallbackIssues(section: SectionLike): FallbackIssue[] {
  const lists: { readonly id: string; readonly carries: readonly MessageType[]; readonly list: readonly string[]; readonly path: (string | number)[] }[] = [];
  if (section.fallback !== undefined && section.fallback.length > 0) {
    lists.push({ id: EMAIL_CHANNEL_ID, carries: channelCarries(EMAIL_CHANNEL_ID, 'email'), list: section.fallback, path: ['fallback'] });
  }
  section.channels.forEach((ch, i) => {
    if (ch.fallback !== undefined && ch.fallback.length > 0) {
      lists.push({ id: ch.id, carries: channelCarries(ch.id, ch.type), list: ch.fallback, path: ['channels', i, 'fallback'] });
    }
  });
  if (lists.length === 0) return [];

  const carriesOf = new Map<string, readonly MessageType[]>([[EMAIL_CHANNEL_ID, channelCarries(EMAIL_CHANNEL_ID, 'email')]]);
  for (const ch of section.channels) carriesOf.set(ch.id, channelCarries(ch.id, ch.type));
  const known = [...carriesOf.keys()];

  const issues: FallbackIssue[] = [];
  for (const { id, carries, list, path } of lists) {
    const seen = new Set<string>();
    list.forEach((target, j) => {
      const at = [...path, j];
      const targetCarries = carriesOf.get(target);
      if (targetCarries === undefined) {
        issues.push({ path: at, message: `no channel "${target}" is configured (have: ${known.join(', ')})` });
      } else if (target === id) {
        issues.push({ path: at, message: `channel "${id}" cannot fall back to itself` });
      } else if (seen.has(target)) {
        issues.push({ path: at, message: `"${target}" is listed twice` });
      } else if (!carries.some((t) => targetCarries.includes(t))) {
        issues.push({
          path: at,
          message: `channel "${id}" carries ${carries.join('/')} messages, "${target}" carries ${targetCarries.join('/')} only: it cannot be a fallback of "${id}"`,
        });
      }
      seen.add(target);
    });
  }
  if (issues.length > 0) return issues;

  const graph = fallbackGraph(section);
  for (const { id, path } of lists) {
    const cycle = cycleFrom(graph, id);
    if (cycle !== undefined) {
      issues.push({ path, message: `fallbacks form a cycle: ${cycle.join(' -> ')}` });
      return issues;
    }
  }
  for (const { id, path } of lists) {
    const chain = fallbackChain(graph, id);
    if (chain.length > MAX_CHAIN_LENGTH) {
      issues.push({ path, message: `channel "${id}" resolves to ${chain.length} channels (${chain.join(', ')}); at most ${MAX_CHAIN_LENGTH} are allowed` });
    }
  }
  return issues;
}
