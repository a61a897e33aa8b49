/**
 * The one place where a permanent delivery failure becomes BullMQ's
 * `UnrecoverableError` (docs/architecture.md, "From enqueue to delivery"), so BullMQ stops retrying it.
 */
import { UnrecoverableError } from 'bullmq';
import type { ErrorSummary } from '@courier/core';

/** The error to throw from the processor for a failed attempt. */
export function errorForBullmq(err: unknown, summary: ErrorSummary): Error {
  if (!summary.retryable) {
    return new UnrecoverableError(`${summary.code}: ${summary.message}`);
  }
  return err instanceof Error ? err : new Error(`${summary.code}: ${summary.message}`);
}

/** True when BullMQ will not run a job again after this failure. */
export function isFinalFailure(err: Error, attemptsMade: number, attempts: number): boolean {
  return err.name === 'UnrecoverableError' || err instanceof UnrecoverableError || attemptsMade >= attempts || /stalled/i.test(err.message);
}
