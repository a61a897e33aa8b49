/**
 * Redis key names. Every key starts with the configured prefix, which is
 * hash-tagged (`{courier}`) so that all keys of one deployment live in one Redis
 * Cluster slot and Lua scripts may touch several of them. Courier's own keys live
 * under `<prefix>:tracking:`, beside BullMQ's `<prefix>:<queue name>:` (config
 * refuses a queue named `tracking`).
 */

/** The key segment of Courier's own keys; no queue may have this name. */
export const TRACKING_SEGMENT = 'tracking';
import { MESSAGE_STATUSES, type MessageStatus } from '@courier/core';

/** Key names of one Courier deployment. */
export interface CourierKeys {
  readonly prefix: string;
  message(id: string): string;
  statusIndex(status: MessageStatus): string;
  /** Status indexes in `MESSAGE_STATUSES` order (Lua scripts address them by position). */
  readonly statusIndexes: readonly string[];
  readonly allIndex: string;
  recipientIndex(recipient: string): string;
  templateIndex(templateType: string): string;
  /** Placeholder for an absent optional index, so scripts always get the same key count. */
  readonly noIndex: string;
  idempotency(key: string): string;
  /** Lock that lets one worker of a fleet run the index janitor. */
  readonly janitorLock: string;
  /** A suppression-list entry (string, JSON) of a normalised address (suppressions.ts). */
  suppression(address: string): string;
  /** The suppression list's addresses at score 0, in lexical order (listing). */
  readonly suppressionIndex: string;
  /** The suppression list's addresses by when they were added, in ms (eviction of the oldest). */
  readonly suppressionAge: string;
  /** A recipient limit's sliding window: by a hash of the recipient (never the address) and the limit's type. */
  recipientWindow(recipientHash: string, limitType: string): string;
  /** A channel's send-rate schedule (GCRA TAT). */
  channelRate(channel: string): string;
  /** A channel's slot reservations (job id -> slot time). */
  channelReservations(channel: string): string;
  /** Hash of fleet-wide counts of enqueues refused by a rate limit, by `<reason>:<limit type>`. */
  readonly rateLimitRejections: string;
}

/** Normalise a recipient for its index: addresses compare case-insensitively. */
export function normalizeRecipient(recipient: string): string {
  return recipient.trim().toLowerCase();
}

/** Build the key names for a prefix (e.g. `{courier}`). */
export function courierKeys(prefix: string): CourierKeys {
  const p = `${prefix}:${TRACKING_SEGMENT}`;
  const statusIndex = (s: MessageStatus): string => `${p}:idx:status:${s}`;
  return {
    prefix,
    message: (id) => `${p}:msg:${id}`,
    statusIndex,
    statusIndexes: MESSAGE_STATUSES.map(statusIndex),
    allIndex: `${p}:idx:all`,
    recipientIndex: (r) => `${p}:idx:rcpt:${normalizeRecipient(r)}`,
    templateIndex: (t) => `${p}:idx:tt:${t}`,
    noIndex: `${p}:idx:none`,
    idempotency: (k) => `${p}:idem:${k}`,
    janitorLock: `${p}:janitor`,
    suppression: (a) => `${p}:sup:e:${a}`,
    suppressionIndex: `${p}:sup:idx`,
    suppressionAge: `${p}:sup:age`,
    recipientWindow: (h, t) => `${p}:rl:rcpt:${t}:${h}`,
    channelRate: (c) => `${p}:rl:chan:${c}`,
    channelReservations: (c) => `${p}:rl:chan-held:${c}`,
    rateLimitRejections: `${p}:rl:rejections`,
  };
}
