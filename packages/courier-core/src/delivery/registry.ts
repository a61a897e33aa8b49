/**
 * Choosing strategies by name. `courier.delivery_strategy` picks the e-mail
 * strategy from a map; every entry of `courier.channels[]` becomes an HTTP
 * strategy for its channel id (Kratos's SMS channel is `id: sms`).
 */
import type { CourierSection } from '../config/schema.js';
import { ConfigError, DeliveryError, TemplateError } from '../errors.js';
import type { DeliveryStrategy } from './strategy.js';
import { createHttpStrategy } from './http/strategy.js';
import { createSmtpStrategy } from './smtp.js';
import type { OutboundHttpOptions } from '../net/http-client.js';

/** Options of {@link createDeliveryChannels} and {@link createStrategyByName}. */
export type DeliveryChannelsOptions = OutboundHttpOptions & {
  /** `clients.smtp.disallow_private_ip_ranges`. */
  readonly disallowPrivateSmtpRanges?: boolean | undefined;
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

/** Build the channel map of a configuration: `email` plus one entry per `courier.channels[]`. */
export function createDeliveryChannels(courier: CourierSection, options: DeliveryChannelsOptions = {}): DeliveryChannels {
  const map = new Map<string, DeliveryStrategy>();
  map.set('email', createStrategyByName(courier.delivery_strategy, courier, options));
  for (const channel of courier.channels) {
    map.set(channel.id, createHttpStrategy({ ...options, requestConfig: channel.request_config, name: `http:${channel.id}` }));
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
        [...map].map(async ([id, strategy]) => {
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
      await Promise.allSettled([...map.values()].map(async (s) => s.close?.()));
    },
  };
}
