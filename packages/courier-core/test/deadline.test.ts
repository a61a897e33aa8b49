/**
 * A request's deadline joined with the caller's signal: who aborted is told apart,
 * and a disposed deadline never fires.
 */
import { describe, expect, it } from 'vitest';
import { requestDeadline } from '../src/delivery/deadline.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('requestDeadline', () => {
  it('aborts with a TimeoutError when the time is up', async () => {
    const deadline = requestDeadline(20);
    expect(deadline.signal.aborted).toBe(false);
    await sleep(60);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.timedOut).toBe(true);
    expect((deadline.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it("aborts with the caller's reason when the caller aborts first, or had already", async () => {
    const caller = new AbortController();
    const deadline = requestDeadline(10_000, caller.signal);
    caller.abort(new Error('shutting down'));
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.timedOut).toBe(false);
    expect((deadline.signal.reason as Error).message).toBe('shutting down');
    deadline.dispose();

    const early = requestDeadline(10_000, caller.signal);
    expect(early.signal.aborted).toBe(true);
    early.dispose();
  });

  it('never fires once disposed, and stops listening to the caller', async () => {
    const caller = new AbortController();
    const deadline = requestDeadline(20, caller.signal);
    deadline.dispose();
    await sleep(60);
    caller.abort();
    expect(deadline.signal.aborted).toBe(false);
    expect(deadline.timedOut).toBe(false);
  });
});
