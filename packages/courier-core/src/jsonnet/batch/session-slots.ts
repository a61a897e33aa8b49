/**
 * How many long-running Jsonnet sessions (see `session.ts`) may run at once
 * in this process.
 *
 * A session keeps one thread of libuv's pool for as long as it runs, including
 * while it waits for the next batch. That pool also runs `dns.lookup` (used by
 * `fetch` for host names) and file system calls, so sessions may take at most
 * half of it: 2 of libuv's default 4 threads, more when `UV_THREADPOOL_SIZE` is
 * raised. Renderers that find no free slot evaluate batch by batch instead.
 */
const DEFAULT_POOL_SIZE = 4;

function poolSize(): number {
  const configured = Number.parseInt(process.env['UV_THREADPOOL_SIZE'] ?? '', 10);
  return Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_POOL_SIZE;
}

let inUse = 0;

/**
 * Take a session slot if one is free.
 *
 * @returns a function that gives the slot back (call it once the session's
 *   evaluation has ended, not merely been abandoned), or `undefined` when none is free.
 */
export function acquireSessionSlot(): (() => void) | undefined {
  if (inUse >= Math.max(1, Math.floor(poolSize() / 2))) return undefined;
  inUse++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    inUse--;
  };
}

/** Slots taken right now (for tests and diagnostics). */
export function sessionSlotsInUse(): number {
  return inUse;
}
