/**
 * The Redis side of Courier's rate limits (the policy, which limit applies and
 * what to answer, is the apps'):
 *
 * - recipient windows (producer): a sliding window per (recipient, limit type),
 *   counted for a whole enqueue request at once, all or none
 *   (lua/recipient-window.lua). The key holds a hash of the normalised recipient,
 *   never the address; its members are message ids, so a failed enqueue can take
 *   back exactly what it counted.
 * - channel slots (worker): a GCRA schedule per channel (lua/channel-slot.lua).
 *
 * Both run on Redis's clock (`TIME`), so producers and workers on different hosts
 * share one schedule whatever their clocks say.
 */
import { createHash } from 'node:crypto';
import type { RedisConnection } from './connection.js';
import { courierKeys } from './keys.js';
import { channelPauseCall, channelSlotCall, recipientWindowCall, type RecipientWindowItem } from './lua/calls.js';
import { LUA_SOURCES } from './lua/sources.generated.js';

interface RateLimitCommands {
  courierRecipientWindow(...args: string[]): Promise<unknown>;
  courierChannelSlot(...args: string[]): Promise<unknown>;
  courierChannelPause(...args: string[]): Promise<unknown>;
}

function withCommands(connection: RedisConnection): RedisConnection & RateLimitCommands {
  // No numberOfKeys for the recipient windows: the call gives the key count first.
  if (!('courierRecipientWindow' in connection)) connection.defineCommand('courierRecipientWindow', { lua: LUA_SOURCES.recipient_window });
  if (!('courierChannelSlot' in connection)) connection.defineCommand('courierChannelSlot', { lua: LUA_SOURCES.channel_slot, numberOfKeys: 2 });
  if (!('courierChannelPause' in connection)) connection.defineCommand('courierChannelPause', { lua: LUA_SOURCES.channel_pause, numberOfKeys: 1 });
  return connection as RedisConnection & RateLimitCommands;
}

/**
 * A recipient as a limit counts it: surrounding whitespace dropped; an e-mail
 * address (it has an `@`) lower-cased whole, since providers treat the local part
 * case-insensitively in practice and merging two spellings errs towards the
 * stricter limit; anything else (a phone number) without spaces, dots, dashes
 * and parentheses.
 */
export function normalizeLimitedRecipient(recipient: string): string {
  const r = recipient.trim();
  return r.includes('@') ? r.toLowerCase() : r.replace(/[\s().-]/g, '');
}

/** The hash a recipient's windows are keyed by (base64url of SHA-256, 128 bits), so limiter keys hold no address. */
export function recipientHash(recipient: string): string {
  return createHash('sha256').update('courier-rate-limit\0').update(normalizeLimitedRecipient(recipient)).digest('base64url').slice(0, 22);
}

/** One message of an enqueue request that a recipient limit applies to. */
export interface RecipientLimitRequest {
  readonly id: string;
  readonly recipient: string;
  /** The limit's type: the template type, or `raw`. */
  readonly limitType: string;
  readonly max: number;
  readonly windowMs: number;
}

/** The answer of {@link RecipientLimiter.take}. */
export type RecipientLimitAnswer =
  /** Every message was counted; `release` takes them back (the enqueue failed). */
  | { readonly outcome: 'taken'; readonly release: () => Promise<void> }
  /**
   * Nothing was counted: the window of `requests[index]` is full. `retryAfterMs` is
   * when enough of it frees, or undefined when the request alone holds more
   * messages for that window than its limit.
   */
  | { readonly outcome: 'limited'; readonly index: number; readonly retryAfterMs: number | undefined };

/** Recipient windows of one deployment. */
export interface RecipientLimiter {
  take(requests: readonly RecipientLimitRequest[]): Promise<RecipientLimitAnswer>;
}

/** Create the recipient limiter (one script call per request, whatever its size). */
export function createRecipientLimiter(connection: RedisConnection, prefix: string): RecipientLimiter {
  const redis = withCommands(connection);
  const keys = courierKeys(prefix);
  return {
    async take(requests) {
      const windows = new Map<string, RecipientWindowItem & { readonly first: number; readonly ids: string[] }>();
      requests.forEach((r, index) => {
        const key = keys.recipientWindow(recipientHash(r.recipient), r.limitType);
        const w = windows.get(key);
        if (w === undefined) windows.set(key, { key, max: r.max, windowMs: r.windowMs, ids: [r.id], first: index });
        else w.ids.push(r.id);
      });
      const list = [...windows.values()];
      const raw = await redis.courierRecipientWindow(...recipientWindowCall(list));
      if (!Array.isArray(raw) || (raw[0] !== 1 && raw[0] !== 0)) throw new Error('unexpected answer from recipient-window.lua');
      if (raw[0] === 1) {
        return {
          outcome: 'taken',
          release: async () => {
            const multi = connection.multi();
            for (const w of list) multi.zrem(w.key, ...w.ids);
            await multi.exec();
          },
        };
      }
      const failed = list[Number(raw[1]) - 1];
      if (failed === undefined) throw new Error('unexpected window from recipient-window.lua');
      const wait = Number(raw[2]);
      // For the metrics (countRateLimitRejections); a refusal is answered whether or not this lands.
      await redis.hincrby(keys.rateLimitRejections, `recipient:${requests[failed.first]?.limitType ?? 'raw'}`, 1).catch(() => undefined);
      return { outcome: 'limited', index: failed.first, retryAfterMs: wait < 0 ? undefined : wait };
    },
  };
}

/** Fleet-wide counts of enqueues refused by a rate limit, by reason (`recipient`) and limit type (for the worker's metrics). */
export async function countRateLimitRejections(connection: RedisConnection, prefix: string): Promise<{ reason: string; limitType: string; count: number }[]> {
  const all = await connection.hgetall(courierKeys(prefix).rateLimitRejections);
  return Object.entries(all).map(([field, n]) => {
    const at = field.indexOf(':');
    return { reason: field.slice(0, at), limitType: field.slice(at + 1), count: Number(n) };
  });
}

/** A channel's rate as the limiter takes it. */
export interface ChannelRateSpec {
  readonly max: number;
  readonly per_seconds: number;
  readonly burst: number;
}

/** The answer of {@link ChannelLimiter.take}. */
export type ChannelSlotAnswer =
  /** Send now. */
  | { readonly outcome: 'go' }
  /** A slot is reserved for the job in `waitMs`: wait, then take again to use it. */
  | { readonly outcome: 'wait'; readonly waitMs: number }
  /** The next slot (in `waitMs`) comes after the deadline; nothing was reserved. */
  | { readonly outcome: 'too-late'; readonly waitMs: number };

/** Channel send-rate schedules of one deployment, shared by every worker. */
export interface ChannelLimiter {
  /**
   * Take a slot of `channel` for job `jobId` now, or reserve the next one for it
   * (unless that comes after `deadlineMs`, ms since the epoch). A job that was told
   * to wait calls again (same id) after the wait to use its reservation.
   */
  take(channel: string, rate: ChannelRateSpec, jobId: string, deadlineMs?: number): Promise<ChannelSlotAnswer>;
  /** Give out no new slot of `channel` for `pauseMs` (the provider said it is throttling us); slots already reserved are kept. */
  pause(channel: string, rate: ChannelRateSpec, pauseMs: number): Promise<void>;
}

/** Create the channel limiter. */
export function createChannelLimiter(connection: RedisConnection, prefix: string): ChannelLimiter {
  const redis = withCommands(connection);
  const keys = courierKeys(prefix);
  return {
    async take(channel, rate, jobId, deadlineMs) {
      const intervalUs = (rate.per_seconds * 1_000_000) / rate.max;
      const raw = await redis.courierChannelSlot(
        ...channelSlotCall({ tat: keys.channelRate(channel), reservations: keys.channelReservations(channel) }, intervalUs, rate.burst, jobId, deadlineMs),
      );
      if (!Array.isArray(raw) || ![0, 1, 2].includes(raw[0] as number)) throw new Error('unexpected answer from channel-slot.lua');
      const waitMs = Math.max(1, Number(raw[1]));
      return raw[0] === 1 ? { outcome: 'go' } : raw[0] === 0 ? { outcome: 'wait', waitMs } : { outcome: 'too-late', waitMs };
    },
    async pause(channel, rate, pauseMs) {
      const intervalUs = (rate.per_seconds * 1_000_000) / rate.max;
      await redis.courierChannelPause(...channelPauseCall(keys.channelRate(channel), pauseMs, (rate.burst - 1) * intervalUs));
    },
  };
}
