/**
 * Courier processes for tests and benchmarks: each is a real `node` child running
 * an app's entry point through tsx, with its JSON log lines captured.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The apps that can be started. */
export type CourierApp = 'worker' | 'producer';

const READY_MESSAGE: Record<CourierApp, string> = {
  worker: 'courier worker started',
  producer: 'courier producer listening',
};

/**
 * The node arguments of an app's `start` script (`node <flags> --import tsx
 * src/main.ts`, run in the app's directory): the one definition of how an app
 * is launched, used by the tests, the benchmarks and the Dockerfiles alike.
 */
export function appStartArgs(app: CourierApp): string[] {
  const pkg = JSON.parse(readFileSync(`${REPO_ROOT}apps/${app}/package.json`, 'utf8')) as { scripts?: { start?: string } };
  const argv = (pkg.scripts?.start ?? '').trim().split(/\s+/);
  if (argv[0] !== 'node') throw new Error(`apps/${app}/package.json: the start script must run node, got "${pkg.scripts?.start}"`);
  return argv.slice(1);
}

/** A Courier child process. */
export interface CourierProcess {
  readonly child: ChildProcess;
  /** The ready log line (worker: `health_port`; producer: `port`). */
  readonly ready: Record<string, unknown>;
  /** Every JSON log line so far (non-JSON lines as `{ raw }`). */
  readonly lines: Record<string, unknown>[];
  readonly stderr: string[];
  /** Resolves with exit code and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  waitForLine(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** A Courier child process that may still be starting. */
export interface LaunchedCourier extends Omit<CourierProcess, 'ready'> {
  /** Resolves with the ready log line; rejects if the process exits first or takes longer than 30 s. */
  readonly ready: Promise<Record<string, unknown>>;
}

/** Start an app with `COURIER_CONFIG=configPath`; resolves when it logs that it is ready. */
export async function spawnCourier(app: CourierApp, configPath: string, env: Record<string, string> = {}): Promise<CourierProcess> {
  const launched = launchCourier(app, configPath, env);
  try {
    return { ...launched, ready: await launched.ready };
  } catch (err) {
    // Not ready in time: do not leave it running behind the failed test.
    launched.kill('SIGKILL');
    await launched.exited;
    throw err;
  }
}

/** Start an app with `COURIER_CONFIG=configPath` and return at once (see {@link spawnCourier}). */
export function launchCourier(app: CourierApp, configPath: string, env: Record<string, string> = {}): LaunchedCourier {
  const child = spawn(process.execPath, appStartArgs(app), {
    cwd: `${REPO_ROOT}apps/${app}`,
    env: { ...process.env, COURIER_CONFIG: configPath, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const waiters = new Set<{ predicate: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }>();
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      line = { raw: text };
    }
    lines.push(line);
    for (const w of waiters) {
      if (w.predicate(line)) {
        waiters.delete(w);
        w.resolve(line);
      }
    }
  });
  createInterface({ input: child.stderr }).on('line', (text) => stderr.push(text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitForLine = (predicate: (l: Record<string, unknown>) => boolean, timeoutMs = 20_000) => {
    const found = lines.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const entry = {
        predicate,
        resolve: (l: Record<string, unknown>) => {
          clearTimeout(timer);
          resolve(l);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(entry);
        reject(new Error(`${app} log line not seen within ${timeoutMs} ms; stderr: ${stderr.join('\n')}`));
      }, timeoutMs);
      waiters.add(entry);
      void exited.then(({ code, signal }) => {
        if (waiters.delete(entry)) {
          clearTimeout(timer);
          reject(new Error(`${app} exited (${code ?? signal}) before the line appeared; stderr: ${stderr.join('\n')}`));
        }
      });
    });
  };
  const ready = waitForLine((l) => l['msg'] === READY_MESSAGE[app], 30_000);
  // A process killed while starting rejects `ready`; callers that never await it must not see that as unhandled.
  ready.catch(() => undefined);
  return {
    child,
    ready,
    lines,
    stderr,
    exited,
    kill: (signal) => {
      child.kill(signal);
    },
    waitForLine,
  };
}
