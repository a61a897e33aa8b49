/**
 * A circuit breaker for one delivery channel, in one worker process (state is not
 * shared between workers: each learns of an outage from its own sends).
 *
 * - **closed**: sends go through. `failureThreshold` transient failures in a row (no
 *   success between them), the first no longer than `windowMs` before the last, open it.
 * - **open**: sends are refused for `openMs`; then the next caller gets the one probe.
 * - **half-open**: one probe is in flight; other callers are refused. Its success closes
 *   the circuit, its transient failure opens it again for `openMs`.
 *
 * Only transient failures count. A permanent one (a recipient refused) says nothing about
 * the channel's health and leaves the state as it is; an aborted send (shutdown) neither.
 */

/** The three states; the gauge value of each is its index in {@link CIRCUIT_STATES}. */
export const CIRCUIT_STATES = ['closed', 'half_open', 'open'] as const;
export type CircuitState = (typeof CIRCUIT_STATES)[number];

/** The thresholds (`courier.circuit_breaker`). */
export interface CircuitBreakerSettings {
  readonly failureThreshold: number;
  readonly windowMs: number;
  readonly openMs: number;
}

/** Options of {@link createCircuitBreaker}. */
export interface CircuitBreakerOptions extends CircuitBreakerSettings {
  /** The clock (ms); `Date.now` by default. Injected by tests. */
  readonly now?: (() => number) | undefined;
  /** Called on every state change. */
  readonly onStateChange?: (state: CircuitState) => void;
}

/** The right to make one send; settle it exactly once. */
export interface CircuitPermit {
  /** The channel delivered. */
  success(): void;
  /** The channel failed transiently (timeout, 4xx, connection refused, 5xx/429 from an API). */
  failure(): void;
  /** The outcome says nothing about the channel (permanent refusal, aborted send). */
  release(): void;
}

/** One channel's breaker. */
export interface CircuitBreaker {
  /** The state now (an open circuit whose `openMs` has passed still reads `open` until probed). */
  state(): CircuitState;
  /** When the circuit last opened (clock ms), or undefined when it is not open. */
  openedAt(): number | undefined;
  /** A permit when a send may go through now; undefined when the circuit refuses it. */
  tryAcquire(): CircuitPermit | undefined;
  /**
   * A permit whatever the state: for a send made although the circuit is open (every
   * channel left is open). Its outcome still counts: success closes, failure re-opens.
   */
  forceAcquire(): CircuitPermit;
}

/** Create a closed breaker. */
export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const now = options.now ?? Date.now;
  let state: CircuitState = 'closed';
  let failures = 0;
  let firstFailureAt = 0;
  let opened = 0;
  let probing = false;

  const moveTo = (next: CircuitState): void => {
    if (next === state) return;
    state = next;
    options.onStateChange?.(next);
  };
  const open = (): void => {
    opened = now();
    probing = false;
    failures = 0;
    moveTo('open');
  };
  const close = (): void => {
    failures = 0;
    probing = false;
    moveTo('closed');
  };

  /** A permit for a send in the closed state (or a forced one while open). */
  const permit = (): CircuitPermit => {
    let settled = false;
    const once = (fn: () => void) => () => {
      if (settled) return;
      settled = true;
      fn();
    };
    return {
      success: once(close),
      failure: once(() => {
        if (state !== 'closed') {
          open();
          return;
        }
        const t = now();
        if (failures === 0 || t - firstFailureAt > options.windowMs) {
          failures = 0;
          firstFailureAt = t;
        }
        failures += 1;
        if (failures >= options.failureThreshold) open();
      }),
      release: once(() => undefined),
    };
  };

  /** The one probe of the half-open state. */
  const probe = (): CircuitPermit => {
    probing = true;
    moveTo('half_open');
    let settled = false;
    const once = (fn: () => void) => () => {
      if (settled) return;
      settled = true;
      fn();
    };
    return {
      success: once(close),
      failure: once(open),
      // Nothing learnt: the next caller probes instead.
      release: once(() => {
        probing = false;
      }),
    };
  };

  return {
    state: () => state,
    openedAt: () => (state === 'open' ? opened : undefined),
    tryAcquire() {
      if (state === 'closed') return permit();
      if (state === 'half_open') return probing ? undefined : probe();
      return now() - opened >= options.openMs ? probe() : undefined;
    },
    forceAcquire: permit,
  };
}
