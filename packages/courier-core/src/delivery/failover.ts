/**
 * The failover router: one strategy over a chain of channels (a channel and its
 * resolved fallbacks, config/fallback.ts), each behind its circuit breaker.
 *
 * A message goes to the first channel of the chain whose circuit lets it through and
 * that can carry its type. A transient failure (a retryable `DeliveryError`, a timeout,
 * anything not a `DeliveryError`) sends it through the next; a permanent one ends the
 * attempt (a refused recipient is refused everywhere), as does an aborted send. When
 * every channel left has an open circuit, the one that opened first is tried anyway:
 * an attempt is never failed without a real send. The message is the same on every
 * channel: same id, so the same `Message-ID`, `X-Courier-Message-Id` and idempotency key.
 *
 * What happened is returned as a {@link DeliveryRoute}: on `DeliveryResult.route`, and
 * for a failure through {@link failureRouteOf}; the worker records it in the dispatch.
 */
import { DeliveryError } from '../errors.js';
import type { STORED_ERROR_CODES } from '../errors/codes.js';
import type { Dispatch, MessageType } from '../message.js';
import type { CircuitBreaker, CircuitPermit, CircuitState } from './circuit-breaker.js';
import type { DeliveryContext, DeliveryResult, DeliveryStrategy, OutboundMessage } from './strategy.js';

/** The code recorded for a channel passed over because its circuit was open. */
const CIRCUIT_OPEN_CODE = 'CHANNEL_CIRCUIT_OPEN' satisfies keyof typeof STORED_ERROR_CODES;

/** A channel that did not deliver before the one that was used. */
export interface FailedChannel {
  readonly channel: string;
  /** Its error code, or `CHANNEL_CIRCUIT_OPEN` when it was passed over. */
  readonly code: string;
}

/** Which channel an attempt used, and which failed or were passed over before it. */
export interface DeliveryRoute {
  readonly channel: string;
  readonly failed: readonly FailedChannel[];
}

/** How a channel's send ended, as the router counts it. */
export type ChannelOutcome = 'success' | 'transient' | 'permanent' | 'skipped';

/** Hooks for metrics; ids are configured channel ids only. */
export interface FailoverObserver {
  attempt?(channel: string, outcome: ChannelOutcome): void;
  circuit?(channel: string, state: CircuitState): void;
  failover?(from: string, to: string): void;
}

/** One channel of a chain. */
export interface FailoverLink {
  readonly id: string;
  readonly strategy: DeliveryStrategy;
  readonly breaker: CircuitBreaker;
  /** The message types it can carry; a message of another type passes it by. */
  readonly carries: readonly MessageType[];
}

const failureRoutes = new WeakMap<object, DeliveryRoute>();

/** The route of a failed send made through a failover router, if it was one. */
export function failureRouteOf(err: unknown): DeliveryRoute | undefined {
  return typeof err === 'object' && err !== null ? failureRoutes.get(err) : undefined;
}

/** The fields a route adds to a dispatch: none without a route (a channel without fallbacks). */
export function routeDispatchFields(route: DeliveryRoute | undefined): Pick<Dispatch, 'channel' | 'failed_channels'> {
  if (route === undefined) return {};
  return route.failed.length === 0 ? { channel: route.channel } : { channel: route.channel, failed_channels: route.failed.map((f) => ({ channel: f.channel, code: f.code })) };
}

function withRoute(err: unknown, route: DeliveryRoute): unknown {
  if (typeof err === 'object' && err !== null) failureRoutes.set(err, route);
  return err;
}

function codeOf(err: unknown): string {
  return err instanceof DeliveryError ? err.code : 'INTERNAL';
}

/** Transient as the worker sees it (`summarizeError`): a retryable DeliveryError, or anything else thrown. */
function isTransient(err: unknown): boolean {
  return !(err instanceof DeliveryError) || err.retryable;
}

/** The link to send through although every usable one is open: the one whose circuit opened first. */
function longestOpen(links: readonly FailoverLink[]): FailoverLink | undefined {
  let pick: FailoverLink | undefined;
  for (const link of links) {
    const at = link.breaker.openedAt() ?? Number.NEGATIVE_INFINITY;
    if (pick === undefined || at < (pick.breaker.openedAt() ?? Number.NEGATIVE_INFINITY)) pick = link;
  }
  return pick;
}

/** How one send through one link ended. */
type LinkOutcome =
  { readonly kind: 'delivered'; readonly result: DeliveryResult } | { readonly kind: 'transient'; readonly err: unknown } | { readonly kind: 'final'; readonly err: unknown };

/**
 * Create the router for `chain` (its first link is the channel the message names).
 * The links' strategies are not owned: verify and close them where they were made.
 */
export function createFailoverStrategy(chain: readonly FailoverLink[], observer: FailoverObserver = {}): DeliveryStrategy {
  const head = chain[0];
  if (head === undefined) throw new TypeError('a failover chain needs at least one channel');

  /** Send through one link and settle its permit. */
  async function sendThrough(link: FailoverLink, permit: CircuitPermit, message: OutboundMessage, ctx: DeliveryContext | undefined): Promise<LinkOutcome> {
    try {
      const result = await link.strategy.send(message, ctx);
      permit.success();
      observer.attempt?.(link.id, 'success');
      return { kind: 'delivered', result };
    } catch (err) {
      if (ctx?.signal?.aborted === true) {
        // The worker gave up on the attempt (shutdown, lock lost): nothing learnt about the channel.
        permit.release();
        return { kind: 'final', err };
      }
      if (!isTransient(err)) {
        permit.release();
        observer.attempt?.(link.id, 'permanent');
        return { kind: 'final', err };
      }
      permit.failure();
      observer.attempt?.(link.id, 'transient');
      return { kind: 'transient', err };
    }
  }

  return {
    name: `failover:${head.id}`,

    async send(message: OutboundMessage, ctx?: DeliveryContext): Promise<DeliveryResult> {
      // The channel the message names is always a candidate; a fallback only for the types it carries.
      const usable = chain.filter((link, i) => i === 0 || link.carries.includes(message.type));
      const failed: FailedChannel[] = [];
      const passedOver: FailoverLink[] = [];
      let previous: { readonly link: FailoverLink; readonly entry: FailedChannel; readonly err: unknown } | undefined;

      for (let i = 0; i < usable.length; i++) {
        let link = usable[i] as FailoverLink;
        let permit = link.breaker.tryAcquire();
        if (permit === undefined) {
          failed.push({ channel: link.id, code: CIRCUIT_OPEN_CODE });
          passedOver.push(link);
          if (i < usable.length - 1 || previous !== undefined) continue;
          // Every usable channel is open and none was tried: the attempt still makes one
          // real send, through the channel whose circuit opened first.
          link = longestOpen(passedOver) ?? link;
          const forced = link;
          failed.splice(
            failed.findIndex((f) => f.channel === forced.id),
            1,
          );
          passedOver.splice(passedOver.indexOf(forced), 1);
          permit = link.breaker.forceAcquire();
        }
        // Counted once it is settled that they were passed over (a forced send may pick one).
        for (const skipped of passedOver.splice(0)) observer.attempt?.(skipped.id, 'skipped');
        if (previous !== undefined) observer.failover?.(previous.link.id, link.id);
        const outcome = await sendThrough(link, permit, message, ctx);
        if (outcome.kind === 'delivered') return { ...outcome.result, route: { channel: link.id, failed } };
        if (outcome.kind === 'final') throw withRoute(outcome.err, { channel: link.id, failed });
        const entry: FailedChannel = { channel: link.id, code: codeOf(outcome.err) };
        failed.push(entry);
        previous = { link, entry, err: outcome.err };
      }
      // Every usable channel failed or was passed over after a failure: the attempt fails
      // with the error of the last channel tried.
      for (const skipped of passedOver) observer.attempt?.(skipped.id, 'skipped');
      const last = previous as NonNullable<typeof previous>;
      throw withRoute(last.err, { channel: last.link.id, failed: failed.filter((f) => f !== last.entry) });
    },
  };
}
