/**
 * The benchmark's side of a sink child process (see `sink-child.ts`): start it,
 * reset its counters, read them, and wait for a number of acceptances.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SinkKind, SinkReply, SinkRequest, SinkStats } from './sink-protocol.js';

/** A request without its sequence number (distributed over the union's members). */
type DistributiveOmitSeq<T> = T extends unknown ? Omit<T, 'seq'> : never;

const CHILD = fileURLToPath(new URL('./sink-child.ts', import.meta.url));
const START_TIMEOUT_MS = 20_000;
const POLL_MS = 50;

/** A running sink child. */
export interface SinkHandle {
  readonly kind: SinkKind;
  readonly port: number;
  /** What serves the sink, for the report. */
  readonly impl: string;
  /** Zero the counters; recipients starting with `trackPrefix` get their acceptance time kept. */
  reset(trackPrefix?: string): Promise<void>;
  stats(): Promise<SinkStats>;
  /** Acceptance times (`Date.now()`) of tracked recipients since the last reset. */
  tracked(): Promise<Map<string, number>>;
  /**
   * Resolve with the stats once `count` messages were accepted since the last reset.
   *
   * @throws Error when `timeoutMs` passes first, or when no progress is made for `stallMs`.
   */
  waitFor(count: number, timeoutMs: number, stallMs?: number): Promise<SinkStats>;
  close(): Promise<void>;
}

/** Fork a sink child and wait until it listens. */
export async function startSink(kind: SinkKind): Promise<SinkHandle> {
  const child: ChildProcess = fork(CHILD, [kind], {
    execArgv: ['--conditions=source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // The profiling switch is meant for Courier's processes, not this one.
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let seq = 0;
  const pending = new Map<number, (reply: SinkReply) => void>();
  const ready = new Promise<{ port: number; impl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} sink did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} sink exited (${code}) before it was ready`));
    });
    child.on('message', (reply: SinkReply) => {
      if (reply.op === 'ready') {
        clearTimeout(timer);
        resolve({ port: reply.port, impl: reply.impl });
        return;
      }
      const done = pending.get(reply.seq);
      pending.delete(reply.seq);
      done?.(reply);
    });
  });
  const { port, impl } = await ready;

  const ask = (req: DistributiveOmitSeq<SinkRequest>): Promise<SinkReply> =>
    new Promise((resolve, reject) => {
      const id = ++seq;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${kind} sink did not answer "${req.op}"`));
      }, 10_000);
      pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      child.send({ ...req, seq: id } as SinkRequest);
    });

  const stats = async (): Promise<SinkStats> => {
    const reply = await ask({ op: 'stats' });
    if (reply.op !== 'stats') throw new Error(`${kind} sink answered ${reply.op} to stats`);
    return reply.stats;
  };

  return {
    kind,
    port,
    impl,
    async reset(trackPrefix) {
      await ask(trackPrefix === undefined ? { op: 'reset' } : { op: 'reset', trackPrefix });
    },
    stats,
    async tracked() {
      const reply = await ask({ op: 'tracked' });
      if (reply.op !== 'tracked') throw new Error(`${kind} sink answered ${reply.op} to tracked`);
      return new Map(reply.accepted);
    },
    async waitFor(count, timeoutMs, stallMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last = await stats();
      let progressAt = Date.now();
      while (last.count < count) {
        const now = Date.now();
        if (now > deadline) throw new Error(`${kind} sink: ${last.count}/${count} accepted after ${timeoutMs} ms`);
        if (now - progressAt > stallMs) throw new Error(`${kind} sink: stuck at ${last.count}/${count} for ${stallMs} ms`);
        await new Promise((r) => setTimeout(r, POLL_MS));
        const next = await stats();
        if (next.count > last.count) progressAt = Date.now();
        last = next;
      }
      return last;
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
