/**
 * Choosing strategies by name. `courier.delivery_strategy` picks the e-mail
 * strategy from a map; every entry of `courier.channels[]` becomes an HTTP
 * strategy (Kratos's SMS channel is `id: sms`) or, Courier extension, an SMTP one,
 * for its channel id. A channel with fallbacks is served by a failover router
 * (failover.ts) over its chain, each channel of a chain behind its circuit breaker.
 */
import type { CourierSection } from '../config/schema.js';
import { channelCarries, EMAIL_CHANNEL_ID, fallbackChain, fallbackGraph } from '../config/fallback.js';
import { ConfigError, DeliveryError, TemplateError } from '../errors.js';
import type { MessageType } from '../message.js';
import type { DeliveryStrategy } from './strategy.js';
import { createCircuitBreaker, type CircuitBreaker } from './circuit-breaker.js';
import { createFailoverStrategy, type FailoverObserver } from './failover.js';
import { createHttpStrategy } from './http/strategy.js';
import { createSmtpStrategy } from './smtp.js';
import type { OutboundHttpOptions } from '../net/http-client.js';

/** Options of {@link createDeliveryChannels} and {@link createStrategyByName}. */
export type DeliveryChannelsOptions = OutboundHttpOptions & {
  /** `clients.smtp.disallow_private_ip_ranges`. */
  readonly disallowPrivateSmtpRanges?: boolean | undefined;
  /** Failover hooks (metrics) and the breakers' clock (tests). */
  readonly failover?: { readonly observer?: FailoverObserver; readonly now?: () => number } | undefined;
};

type StrategyFactory = (courier: CourierSection, options: DeliveryChannelsOptions) => DeliveryStrategy;

const EMAIL_STRATEGIES: Readonly<Record<string, StrategyFactory>> = {
  smtp: (courier, options) =>
    courier.smtp.connection_uri === undefined ? unconfiguredSmtp() : createSmtpStrategy({ smtp: courier.smtp, disallowPrivateIpRanges: options.disallowPrivateSmtpRanges }),
  http: (courier, options) => {
    const requestConfig = courier.http.request_config;
    if (requestConfig === undefined) {
      throw new ConfigError('configuration is invalid', [{ path: 'courier.http.request_config', message: 'is required when delivery_strategy is "http"' }]);
    }
    return createHttpStrategy({ ...options, requestConfig, name: 'http' });
  },
};

/**
 * The e-mail channel of a configuration without `courier.smtp.connection_uri`, which
 * Kratos accepts (SMS-only setups): every e-mail fails, permanently, saying why.
 */
function unconfiguredSmtp(): DeliveryStrategy {
  return {
    name: 'smtp',
    send() {
      return Promise.reject(new DeliveryError('SMTP_NOT_CONFIGURED', 'courier.smtp.connection_uri is not set: e-mail cannot be delivered', { retryable: false }));
    },
  };
}

/** Names accepted by `courier.delivery_strategy`. */
export const DELIVERY_STRATEGY_NAMES: readonly string[] = Object.keys(EMAIL_STRATEGIES);

/**
 * Create the e-mail strategy named `name`.
 *
 * @throws ConfigError listing the valid names when `name` is unknown.
 */
export function createStrategyByName(name: string, courier: CourierSection, options: DeliveryChannelsOptions = {}): DeliveryStrategy {
  const factory = EMAIL_STRATEGIES[name];
  if (factory === undefined) {
    throw new ConfigError('configuration is invalid', [
      {
        path: 'courier.delivery_strategy',
        message: `unknown strategy "${name}"; valid: ${DELIVERY_STRATEGY_NAMES.join(', ')}`,
      },
    ]);
  }
  return factory(courier, options);
}

/** Every strategy of a configuration, addressed by channel id (`email`, `sms`, ...). */
export interface DeliveryChannels {
  /** The strategy for a channel id. @throws DeliveryError (permanent) for an unknown channel. */
  get(channel: string): DeliveryStrategy;
  /** True when a channel id is configured. */
  has(channel: string): boolean;
  /** Channel ids, `email` first. */
  readonly ids: readonly string[];
  /**
   * Verify every strategy (concurrently); rejects labelled by channel, with a template
   * failure (`cause` a TemplateError) ahead of any other.
   */
  verifyAll(): Promise<void>;
  closeAll(): Promise<void>;
}

/** The domain of the default e-mail channel's `Message-ID`s, which SMTP channels share (same message, same id). */
function messageIdDomainOf(courier: CourierSection): string {
  return courier.smtp.message_id_domain ?? courier.smtp.from_address.slice(courier.smtp.from_address.lastIndexOf('@') + 1);
}

/** Build the channel map of a configuration: `email` plus one entry per `courier.channels[]`. */
export function createDeliveryChannels(courier: CourierSection, options: DeliveryChannelsOptions = {}): DeliveryChannels {
  const base = new Map<string, { readonly strategy: DeliveryStrategy; readonly carries: readonly MessageType[] }>();
  base.set(EMAIL_CHANNEL_ID, { strategy: createStrategyByName(courier.delivery_strategy, courier, options), carries: channelCarries(EMAIL_CHANNEL_ID, 'email') });
  courier.channels.forEach((channel, i) => {
    const strategy =
      channel.type === 'http'
        ? createHttpStrategy({ ...options, requestConfig: channel.request_config, name: `http:${channel.id}` })
        : createSmtpStrategy({
            smtp: { ...channel.smtp, message_id_domain: channel.smtp.message_id_domain ?? messageIdDomainOf(courier) },
            disallowPrivateIpRanges: options.disallowPrivateSmtpRanges,
            configPath: `courier.channels.${i}.smtp`,
          });
    base.set(channel.id, { strategy, carries: channelCarries(channel.id, channel.type) });
  });

  // Channels with fallbacks are served by a router; channels without any are used as
  // they are (no breaker, no per-message cost).
  const map = new Map<string, DeliveryStrategy>([...base].map(([id, b]) => [id, b.strategy]));
  const graph = fallbackGraph(courier);
  const breakers = new Map<string, CircuitBreaker>();
  const observer = options.failover?.observer ?? {};
  const breakerOf = (id: string): CircuitBreaker => {
    let breaker = breakers.get(id);
    if (breaker === undefined) {
      const { failure_threshold: failureThreshold, window_ms: windowMs, open_ms: openMs } = courier.circuit_breaker;
      breaker = createCircuitBreaker({ failureThreshold, windowMs, openMs, now: options.failover?.now, onStateChange: (state) => observer.circuit?.(id, state) });
      breakers.set(id, breaker);
      observer.circuit?.(id, 'closed');
    }
    return breaker;
  };
  for (const id of base.keys()) {
    const chain = fallbackChain(graph, id).filter((c) => base.has(c));
    if (chain.length < 2) continue;
    const links = chain.map((c) => ({
      id: c,
      strategy: (base.get(c) as { strategy: DeliveryStrategy }).strategy,
      breaker: breakerOf(c),
      carries: (base.get(c) as { carries: readonly MessageType[] }).carries,
    }));
    map.set(id, createFailoverStrategy(links, observer));
  }

  return {
    ids: [...map.keys()],
    has: (channel) => map.has(channel),
    get(channel) {
      const strategy = map.get(channel);
      if (strategy === undefined) {
        throw new DeliveryError('UNKNOWN_CHANNEL', `no channel "${channel}" is configured (have: ${[...map.keys()].join(', ')})`, {
          retryable: false,
        });
      }
      return strategy;
    },
    async verifyAll() {
      const outcomes = await Promise.all(
        [...base].map(async ([id, { strategy }]) => {
          try {
            await strategy.verify?.();
            return undefined;
          } catch (err) {
            return { id, err };
          }
        }),
      );
      const failures = outcomes.filter((o) => o !== undefined);
      // A template that does not compile never fixes itself, so it is reported ahead of
      // an unreachable peer: callers stop start-up on it whatever else is down.
      const failure = failures.find((f) => f.err instanceof TemplateError) ?? failures[0];
      if (failure !== undefined) {
        throw new DeliveryError('VERIFY_FAILED', `channel "${failure.id}" failed verification: ${(failure.err as Error).message}`, {
          retryable: true,
          cause: failure.err,
        });
      }
    },
    async closeAll() {
      await Promise.allSettled([...base.values()].map(async ({ strategy }) => strategy.close?.()));
    },
  };
}
