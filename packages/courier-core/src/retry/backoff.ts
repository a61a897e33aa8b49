/**
 * Retry policy: exponential backoff with full jitter between a floor and a cap,
 * never shorter than a provider's `Retry-After`.
 */

/** Backoff settings (`worker.backoff` in config). */
export interface BackoffPolicy {
  /** Delay scale of the first retry, in ms. */
  readonly baseMs: number;
  /** Upper bound of any computed delay, in ms (Retry-After may exceed it). */
  readonly maxMs: number;
}

/**
 * Delay before the next attempt.
 *
 * Uses "equal jitter": half the exponential step is fixed and half random, so
 * retries of many messages spread out (no thundering herd after an outage) while
 * every retry still waits at least half its step.
 *
 * @param failedAttempts - Attempts that have failed so far (1 after the first failure).
 * @param retryAfterMs - A provider's requested minimum wait, if any.
 * @param random - Source of randomness in [0, 1); injectable for tests.
 */
export function computeBackoffMs(policy: BackoffPolicy, failedAttempts: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, failedAttempts - 1);
  // 2^exponent overflows to Infinity past ~1024; min() keeps it finite.
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(exponent, 52));
  const delay = Math.round(step / 2 + random() * (step / 2));
  // A provider's Retry-After is honoured up to an hour (or the cap, if larger):
  // a bogus "retry in a week" must not park a message for a week.
  const retryAfter = Math.min(retryAfterMs ?? 0, Math.max(policy.maxMs, MAX_RETRY_AFTER_MS));
  return Math.max(delay, retryAfter);
}

/** Longest Retry-After honoured when it exceeds the backoff cap. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/** Attempts allowed for a message: Kratos's `message_retries` plus the first try. */
export function attemptsFor(messageRetries: number): number {
  return messageRetries + 1;
}
