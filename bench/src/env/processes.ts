/**
 * Child processes under test: Courier's apps (through the testkit's spawner, so
 * they run exactly as in the integration tests) and the baseline workers; RSS
 * sampling; and stopping them within a bounded time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { configSchema, envKeys } from '@courier/core';
import { appStartArgs, defaultAppEntry, freePort, type CourierApp, type CourierAppEntry } from '@courier/testkit';

const BASELINE_DIR = fileURLToPath(new URL('../baseline/', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const STOP_TIMEOUT_MS = 25_000;
/**
 * Courier's apps run as deployed, from their build (`pnpm bench` builds first);
 * `COURIER_APPS_FROM=src` runs their sources through tsx instead.
 */
const APPS_FROM: CourierAppEntry = process.env['COURIER_APPS_FROM'] === undefined ? 'dist' : defaultAppEntry();
const START_TIMEOUT_MS = 30_000;

/** Environment names of the config overrides plus the aliases Courier accepts. */
const OVERRIDE_ALIASES = ['COURIER_API_KEYS', 'PORT', 'LOG_LEVEL'];

/**
 * Remove every variable that would override a Courier config key from this
 * process's environment, which the children inherit: the benchmark's processes
 * must be configured by the files it writes alone (an inherited `REDIS_URL`
 * would point them at another Redis).
 */
export function scrubConfigEnvironment(): string[] {
  const names = [...envKeys(configSchema).map((k) => k.variable), ...OVERRIDE_ALIASES];
  const removed = names.filter((n) => process.env[n] !== undefined);
  for (const n of removed) Reflect.deleteProperty(process.env, n);
  return removed;
}

/** A process under test. */
export interface ProcessUnderTest {
  readonly label: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resident set size now, in bytes (0 once it exited). */
  rss(): number;
  /** SIGTERM, wait for exit (SIGKILL after a timeout). */
  stop(): Promise<void>;
}

/** Options for starting a process under test. */
export interface StartOptions {
  /** Directory for `--cpu-prof` output; no profiling when absent. */
  readonly cpuProfileDir?: string | undefined;
}

/** Resident set size of a pid from /proc, in bytes; 0 when it is gone. */
function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0;
  }
}

/** Node flags that write a CPU profile on exit (not allowed in NODE_OPTIONS, so given on the command line). */
function profileArgs(options: StartOptions, name: string): string[] {
  if (options.cpuProfileDir === undefined) return [];
  // One directory per process kind: Node names the files itself (with the pid).
  return ['--cpu-prof', `--cpu-prof-dir=${join(options.cpuProfileDir, name)}`];
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** Every process under test still running, so an aborted run can end them all. */
const live = new Set<ChildProcess>();

/** SIGKILL every process under test still running (aborted run). */
export function killAllUnderTest(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

function wrap(label: string, child: ChildProcess): ProcessUnderTest {
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${label}: no pid`);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return { label, pid, child, rss: () => rssOf(pid), stop: () => stopChild(child) };
}

/**
 * Start a Courier app the way the testkit's `spawnCourier` does (the app's
 * `start` script, as its Dockerfile runs it: dist/main.js unless
 * `COURIER_APPS_FROM=src`, with `COURIER_CONFIG` set), on a port
 * chosen here (the `WORKER_PORT` / `PRODUCER_PORT` overrides), and resolve when
 * its `/health/alive` answers: at log level warn the ready line is not logged.
 * Unlike the testkit's spawner it keeps no log lines (at level info that is one
 * per message), only counts them, and it kills a child that does not get ready
 * in time, so an aborted start leaves nothing running.
 */
export async function startCourier(
  app: CourierApp,
  configPath: string,
  options: StartOptions = {},
): Promise<ProcessUnderTest & { readonly port: number; readonly logLines: () => number }> {
  const port = await freePort();
  const portVariable = app === 'worker' ? 'WORKER_PORT' : 'PRODUCER_PORT';
  const child = spawn(process.execPath, [...profileArgs(options, `courier-${app}`), ...appStartArgs(app, APPS_FROM)], {
    cwd: `${REPO_ROOT}apps/${app}`,
    env: { ...process.env, COURIER_CONFIG: configPath, [portVariable]: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const p = wrap(`courier-${app}`, child);
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (l) => {
    if (stderr.length < 50) stderr.push(l);
  });
  let lines = 0;
  createInterface({ input: child.stdout }).on('line', () => {
    lines++;
  });
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = String(code ?? signal);
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited !== undefined) throw new Error(`${app} exited (${exited}) before it was ready: ${stderr.join('\n')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${app} did not answer /health/alive within ${START_TIMEOUT_MS} ms: ${stderr.join('\n')}`);
    }
    const alive = await fetch(`http://127.0.0.1:${port}/health/alive`)
      .then(async (res) => {
        await res.arrayBuffer();
        return res.ok;
      })
      .catch(() => false);
    if (alive) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return Object.assign(p, { port, logLines: () => lines });
}

/** The baseline's programs: the workers, and the producer (a Fastify route calling `queue.add`). */
const BASELINE_FILES = { smtp: 'smtp-worker.ts', http: 'http-worker.ts', producer: 'http-producer.ts' } as const;

/** Start a baseline worker (`smtp` or `http`) or producer with its settings in the environment. */
export async function startBaseline(kind: keyof typeof BASELINE_FILES, env: Record<string, string>, options: StartOptions = {}): Promise<ProcessUnderTest> {
  const child = spawn(process.execPath, [...profileArgs(options, `baseline-${kind}`), '--import', 'tsx', `${BASELINE_DIR}${BASELINE_FILES[kind]}`], {
    cwd: BASELINE_DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const p = wrap(`baseline-${kind}`, child);
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (l) => {
    if (stderr.length < 50) stderr.push(l);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`baseline ${kind} worker did not start within ${START_TIMEOUT_MS} ms: ${stderr.join('\n')}`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`baseline ${kind} worker exited (${code}): ${stderr.join('\n')}`));
    });
    createInterface({ input: child.stdout }).on('line', (l) => {
      if (l.includes('baseline worker started')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return p;
}

/** Sample a process's RSS every `intervalMs` until stopped; reports the peak and the last sample. */
export function sampleRss(pids: () => readonly number[], intervalMs = 100): { stop(): { peak: number; last: number; samples: number } } {
  let peak = 0;
  let last = 0;
  let samples = 0;
  const take = (): void => {
    const total = pids().reduce((sum, pid) => sum + rssOf(pid), 0);
    if (total > 0) {
      last = total;
      peak = Math.max(peak, total);
      samples++;
    }
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      take();
      clearInterval(timer);
      return { peak, last, samples };
    },
  };
}

/** Start several processes at once; if one fails, stop the others and throw. */
export async function startAll(starts: readonly Promise<ProcessUnderTest>[]): Promise<ProcessUnderTest[]> {
  const settled = await Promise.allSettled(starts);
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(started.map((p) => p.stop()));
    throw failed.reason;
  }
  return started;
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;

/** CPU time (user + system, all threads) a process has used so far, in ms; 0 when it is gone. */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1_000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
