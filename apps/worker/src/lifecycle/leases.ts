/**
 * Leases: what a worker knows, without asking Redis, about whether it still holds the
 * lock of a job it is processing. BullMQ takes a job's lock for `lockDuration` when it
 * hands the job over (`job.processedOn`) and extends it from a timer; every extension
 * that succeeds confirms the lock until (the time the extension was *requested*) +
 * `lockDuration`: the request time, not the answer's, so an event loop that stalled
 * between the two cannot make a lost lock look fresh. A job's lease runs out a safety
 * margin before that bound, or at once when an extension failed or its signal fired.
 *
 * The processor asks {@link Leases.lost} right before it hands a message over (SMTP:
 * the DATA command was accepted and the body is about to be written; HTTP: the request
 * is about to be written): a worker whose event loop stalled past its lock must not
 * send a message that another worker may have taken over and sent. The check is local
 * and free; the owner token in the message record (store fencing) covers what it
 * records afterwards.
 */
import type { Worker } from 'bullmq';

/** The leases of the jobs a worker is processing. */
export interface Leases {
  /** Start a job's lease at the time its lock was taken (`job.processedOn`, else now). */
  open(jobId: string, lockTakenAt?: number): void;
  /** Forget a job's lease (its processing ended). */
  close(jobId: string): void;
  /**
   * Why the worker may no longer hold the job's lock, or undefined while it holds it
   * (the lease has not run out, no extension failed, the signal has not fired).
   */
  lost(jobId: string, signal?: AbortSignal): string | undefined;
  /** Wrap `worker`'s lock extension so that each extension confirms (or ends) its jobs' leases. */
  watch(worker: Pick<Worker, 'extendJobLocks'>): void;
}

interface Lease {
  /** The latest time at which the lock was known to be (re)taken for lockDuration. */
  confirmedAt: number;
  /** Set when an extension was refused: the lock is gone. */
  refused: boolean;
}

/**
 * Create the leases of a worker whose jobs are locked for `lockDurationMs`.
 *
 * @param marginMs - How long before the lock's earliest expiry the lease runs out
 *   (default a fifth of the lock, at least 250 ms): the time from the check to the end
 *   of the hand-over, and clock granularity.
 */
export function createLeases(lockDurationMs: number, marginMs = Math.max(250, Math.floor(lockDurationMs / 5))): Leases {
  const leases = new Map<string, Lease>();
  return {
    open(jobId, lockTakenAt) {
      const now = Date.now();
      leases.set(jobId, { confirmedAt: lockTakenAt === undefined ? now : Math.min(lockTakenAt, now), refused: false });
    },
    close(jobId) {
      leases.delete(jobId);
    },
    lost(jobId, signal) {
      if (signal?.aborted === true) return 'the attempt was aborted';
      const lease = leases.get(jobId);
      if (lease === undefined) return undefined;
      if (lease.refused) return 'the job lock could not be renewed';
      const age = Date.now() - lease.confirmedAt;
      if (age > lockDurationMs - marginMs) return `the job lock was last confirmed ${age} ms ago (lock ${lockDurationMs} ms)`;
      return undefined;
    },
    watch(worker) {
      const extend = worker.extendJobLocks.bind(worker);
      worker.extendJobLocks = async (jobIds, tokens, duration) => {
        const requestedAt = Date.now();
        const refused = await extend(jobIds, tokens, duration);
        const refusedSet = new Set(refused);
        for (const id of jobIds) {
          const lease = leases.get(id);
          if (lease === undefined) continue;
          if (refusedSet.has(id)) lease.refused = true;
          else lease.confirmedAt = Math.max(lease.confirmedAt, requestedAt);
        }
        return refused;
      };
    },
  };
}
