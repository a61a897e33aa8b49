/**
 * The circuit breaker's state machine, on an injected clock: closed -> open after
 * N transient failures in a row within the window, open -> half-open (one probe)
 * after the open period, and back.
 */
import { describe, expect, it } from 'vitest';
import { createCircuitBreaker, type CircuitState } from '../src/delivery/circuit-breaker.js';

function setup(settings: { failureThreshold?: number; windowMs?: number; openMs?: number } = {}) {
  let t = 1_000_000;
  const changes: CircuitState[] = [];
  const breaker = createCircuitBreaker({
    failureThreshold: settings.failureThreshold ?? 3,
    windowMs: settings.windowMs ?? 10_000,
    openMs: settings.openMs ?? 5_000,
    now: () => t,
    onStateChange: (s) => changes.push(s),
  });
  const fail = (n = 1) => {
    for (let i = 0; i < n; i++) {
      const permit = breaker.tryAcquire();
      if (permit === undefined) throw new Error('refused');
      permit.failure();
    }
  };
  return { breaker, changes, fail, advance: (ms: number) => (t += ms), now: () => t };
}

describe('circuit breaker', () => {
  it('opens after failure_threshold transient failures in a row and refuses sends while open', () => {
    const { breaker, changes, fail } = setup();
    fail(2);
    expect(breaker.state()).toBe('closed');
    expect(breaker.tryAcquire()).toBeDefined();
    fail(1);
    expect(breaker.state()).toBe('open');
    expect(changes).toEqual(['open']);
    expect(breaker.tryAcquire()).toBeUndefined();
  });

  it('does not open when a success comes between failures', () => {
    const { breaker, fail } = setup();
    fail(2);
    breaker.tryAcquire()?.success();
    fail(2);
    expect(breaker.state()).toBe('closed');
    fail(1);
    expect(breaker.state()).toBe('open');
  });

  it('does not count failures older than the window', () => {
    const { breaker, fail, advance } = setup({ windowMs: 10_000 });
    fail(2);
    advance(10_001);
    fail(2);
    expect(breaker.state()).toBe('closed');
    advance(9_000);
    fail(1);
    expect(breaker.state()).toBe('open');
  });

  it('leaves the count alone on a permanent failure or an aborted send (release)', () => {
    const { breaker, fail } = setup();
    fail(2);
    breaker.tryAcquire()?.release();
    expect(breaker.state()).toBe('closed');
    fail(1);
    expect(breaker.state()).toBe('open');
  });

  it('lets one probe through after open_ms; its success closes the circuit', () => {
    const { breaker, changes, fail, advance } = setup({ openMs: 5_000 });
    fail(3);
    advance(4_999);
    expect(breaker.tryAcquire()).toBeUndefined();
    advance(1);
    const probe = breaker.tryAcquire();
    expect(probe).toBeDefined();
    expect(breaker.state()).toBe('half_open');
    // Only one probe at a time.
    expect(breaker.tryAcquire()).toBeUndefined();
    probe?.success();
    expect(breaker.state()).toBe('closed');
    expect(changes).toEqual(['open', 'half_open', 'closed']);
    expect(breaker.tryAcquire()).toBeDefined();
  });

  it('opens again for a whole open_ms when the probe fails transiently', () => {
    const { breaker, changes, fail, advance, now } = setup({ openMs: 5_000 });
    fail(3);
    advance(5_000);
    breaker.tryAcquire()?.failure();
    expect(breaker.state()).toBe('open');
    expect(breaker.openedAt()).toBe(now());
    advance(4_999);
    expect(breaker.tryAcquire()).toBeUndefined();
    advance(1);
    expect(breaker.tryAcquire()).toBeDefined();
    expect(changes).toEqual(['open', 'half_open', 'open', 'half_open']);
  });

  it('hands the probe to the next caller when the probe learnt nothing (released)', () => {
    const { breaker, fail, advance } = setup();
    fail(3);
    advance(5_000);
    breaker.tryAcquire()?.release();
    expect(breaker.state()).toBe('half_open');
    const next = breaker.tryAcquire();
    expect(next).toBeDefined();
    expect(breaker.tryAcquire()).toBeUndefined();
    next?.success();
    expect(breaker.state()).toBe('closed');
  });

  it('counts a forced send made while open: success closes, failure restarts the open period', () => {
    const { breaker, fail, advance, now } = setup();
    fail(3);
    advance(1_000);
    breaker.forceAcquire().failure();
    expect(breaker.openedAt()).toBe(now());
    breaker.forceAcquire().success();
    expect(breaker.state()).toBe('closed');
  });

  it('settles a permit once: a second call does nothing', () => {
    const { breaker } = setup({ failureThreshold: 1 });
    const permit = breaker.tryAcquire();
    permit?.success();
    permit?.failure();
    expect(breaker.state()).toBe('closed');
  });
});
