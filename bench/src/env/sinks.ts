/**
 * The benchmark's side of a sink child process (see `sink-child.ts`): start it,
 * reset its counters, read them, and wait for a number of acceptances.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { SinkKind, SinkReply, SinkRequest, SinkStats } from './sink-protocol.js';
import { ensureAptPeer } from './apt.js';

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
  /** The sink's process (for its CPU time). */
  readonly pid: number | undefined;
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
      child.send({ ...req, seq: id });
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
    pid: child.pid,
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

/** Where Debian's postfix package puts Postfix's test SMTP server. */
const POSTFIX_SMTP_SINK = '/usr/sbin/smtp-sink';

/**
 * Make sure Postfix's `smtp-sink` is installed: as root on Debian/Ubuntu, install
 * the `postfix` package non-interactively when it is missing, and stop Postfix's
 * own mail daemon if the install started it (only the `smtp-sink` binary is used).
 * Returns why it is not available, or undefined when it is.
 */
export function ensurePostfixSmtpSink(log: (m: string) => void): string | undefined {
  return ensureAptPeer(
    {
      binary: POSTFIX_SMTP_SINK,
      pkg: 'postfix',
      purpose: 'smtp-sink',
      hint: 'install the postfix package',
      before: ['bash', ['-c', 'echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections']],
      // Postfix's own daemon is not wanted on a bench machine.
      stop: ['postfix', ['stop']],
    },
    log,
  );
}

/**
 * Postfix's `smtp-sink` (`smtp-sink -c -u nobody 127.0.0.1:PORT 1000`, as a reviewer
 * runs it): C, one process, never the bottleneck. With `-c` it prints running
 * counters on stdout whenever a message's final "." is received (`... mesg=N\r`);
 * the count and the time this process read it are all it reports: no bytes, no
 * recipients (so no duplicate detection: Courier's runs check their records
 * instead), no tracked acceptance times (the latency scenario uses the testkit's sink).
 */
export async function startPostfixSmtpSink(): Promise<SinkHandle> {
  const port = await freePort();
  const child = spawn(POSTFIX_SMTP_SINK, ['-c', '-u', 'nobody', `127.0.0.1:${port}`, '1000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let total = 0;
  let base = 0;
  let firstAt = 0;
  let lastAt = 0;
  let tail = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-2_000);
  });
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    const text = tail + d;
    const cut = text.lastIndexOf('\r');
    if (cut < 0) {
      tail = text;
      return;
    }
    tail = text.slice(cut + 1);
    const m = /mesg=(\d+)\s*$/.exec(text.slice(0, cut));
    if (m === null) return;
    const n = Number(m[1]);
    if (n > total) {
      total = n;
      const now = Date.now();
      if (firstAt === 0 && total > base) firstAt = now;
      lastAt = now;
    }
  });
  // Ready when it accepts connections.
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`smtp-sink exited (${child.exitCode}): ${stderr.trim()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.end('QUIT\r\n');
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`smtp-sink did not listen within ${START_TIMEOUT_MS} ms: ${stderr.trim()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const stats = async (): Promise<SinkStats> => ({ count: total - base, bytes: 0, firstAt, lastAt, duplicates: 0 });
  return {
    kind: 'smtp',
    port,
    impl: 'postfix smtp-sink',
    pid: child.pid,
    async reset() {
      base = total;
      firstAt = 0;
      lastAt = 0;
    },
    stats,
    async tracked() {
      throw new Error('smtp-sink keeps no per-recipient acceptance times; use the testkit sink');
    },
    async waitFor(count, timeoutMs, stallMs = 20_000) {
      const start = Date.now();
      let progressAt = start;
      let seen = total;
      while (total - base < count) {
        const now = Date.now();
        if (child.exitCode !== null) throw new Error(`smtp-sink exited (${child.exitCode})`);
        if (now - start > timeoutMs) throw new Error(`smtp sink: ${total - base}/${count} accepted after ${timeoutMs} ms`);
        if (total > seen) {
          seen = total;
          progressAt = now;
        } else if (now - progressAt > stallMs) throw new Error(`smtp sink: stuck at ${total - base}/${count} for ${stallMs} ms`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return stats();
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
