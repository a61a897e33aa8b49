/**
 * Metrics of failover chains (Courier extension): sends per channel and outcome,
 * each channel's circuit state, and failovers from one channel to the next. Labels
 * are configured channel ids only (the router never sees another), so they stay
 * bounded. Made before the channels (they report from their creation on), and
 * registered with the worker's registry once it exists.
 */
import { CIRCUIT_STATES, type FailoverObserver } from '@courier/core';
import { Counter, Gauge, type Registry } from 'prom-client';

/** The failover metrics and the observer that feeds them. */
export interface ChannelMetrics {
  readonly observer: FailoverObserver;
  /** Add the metrics to a registry (the worker's `/metrics`). */
  register(registry: Registry): void;
}

/** Create the metrics, registered nowhere yet. */
export function createChannelMetrics(): ChannelMetrics {
  const attempts = new Counter({
    name: 'courier_channel_attempts_total',
    help: 'Sends through a channel of a fallback chain, by channel and outcome (success, transient, permanent, skipped: passed over with an open circuit)',
    labelNames: ['channel', 'outcome'] as const,
    registers: [],
  });
  const circuit = new Gauge({
    name: 'courier_channel_circuit_state',
    help: 'Circuit state of a channel of a fallback chain in this worker process: 0 closed, 1 half-open (probing), 2 open',
    labelNames: ['channel'] as const,
    registers: [],
  });
  const failovers = new Counter({
    name: 'courier_channel_failovers_total',
    help: 'Messages sent on to the next channel of their chain after a transient failure, by the channel that failed and the next one',
    labelNames: ['from', 'to'] as const,
    registers: [],
  });
  return {
    observer: {
      attempt: (channel, outcome) => attempts.inc({ channel, outcome }),
      circuit: (channel, state) => circuit.set({ channel }, CIRCUIT_STATES.indexOf(state)),
      failover: (from, to) => failovers.inc({ from, to }),
    },
    register(registry) {
      registry.registerMetric(attempts);
      registry.registerMetric(circuit);
      registry.registerMetric(failovers);
    },
  };
}
