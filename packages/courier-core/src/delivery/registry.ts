/**
 * Choosing strategies by name. `courier.delivery_strategy` picks the e-mail
 * strategy from a map; every entry of `courier.channels[]` becomes an HTTP
 * strategy for its channel id (Kratos's SMS channel is `id: sms`).
 */
import type { CourierSection } from '../config/schema.js';
import { ConfigError, DeliveryError } from '../errors.js';
import type { DeliveryStrategy } from './strategy.js';
import { createHttpStrategy } from './http.js';
import { createSmtpStrategy } from './smtp.js';

type StrategyFactory = (courier: CourierSection) => DeliveryStrategy;

const EMAIL_STRATEGIES: Readonly<Record<string, StrategyFactory>> = {
  smtp: (courier) => createSmtpStrategy({ smtp: courier.smtp }),
  http: (courier) => {
    const requestConfig = courier.http.request_config;
    if (requestConfig === undefined) {
      throw new ConfigError('configuration is invalid', [
        { path: 'courier.http.request_config', message: 'is required when delivery_strategy is "http"' },
      ]);
    }
    return createHttpStrategy({ requestConfig, name: 'http' });
  },
};

/** Names accepted by `courier.delivery_strategy`. */
export const DELIVERY_STRATEGY_NAMES: readonly string[] = Object.keys(EMAIL_STRATEGIES);

/**
 * Create the e-mail strategy named `name`.
 *
 * @throws ConfigError listing the valid names when `name` is unknown.
 */
export function createStrategyByName(name: string, courier: CourierSection): DeliveryStrategy {
  const factory = EMAIL_STRATEGIES[name];
  if (factory === undefined) {
    throw new ConfigError('configuration is invalid', [
      {
        path: 'courier.delivery_strategy',
        message: `unknown strategy "${name}"; valid: ${DELIVERY_STRATEGY_NAMES.join(', ')}`,
      },
    ]);
  }
  return factory(courier);
}

/** Every strategy of a configuration, addressed by channel id (`email`, `sms`, ...). */
export interface DeliveryChannels {
  /** The strategy for a channel id. @throws DeliveryError (permanent) for an unknown channel. */
  get(channel: string): DeliveryStrategy;
  /** True when a channel id is configured. */
  has(channel: string): boolean;
  /** Channel ids, `email` first. */
  readonly ids: readonly string[];
  /** Verify every strategy; rejects with the first failure, labelled by channel. */
  verifyAll(): Promise<void>;
  closeAll(): Promise<void>;
}

/** Build the channel map of a configuration: `email` plus one entry per `courier.channels[]`. */
export function createDeliveryChannels(courier: CourierSection): DeliveryChannels {
  const map = new Map<string, DeliveryStrategy>();
  map.set('email', createStrategyByName(courier.delivery_strategy, courier));
  for (const channel of courier.channels) {
    map.set(channel.id, createHttpStrategy({ requestConfig: channel.request_config, name: `http:${channel.id}` }));
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
      for (const [id, strategy] of map) {
        try {
          await strategy.verify?.();
        } catch (err) {
          throw new DeliveryError('VERIFY_FAILED', `channel "${id}" failed verification: ${(err as Error).message}`, {
            retryable: true,
            cause: err,
          });
        }
      }
    },
    async closeAll() {
      await Promise.allSettled([...map.values()].map(async (s) => s.close?.()));
    },
  };
}
