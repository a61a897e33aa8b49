/**
 * Courier processes for tests and benchmarks: each is a real `node` child running
 * an app with its `start` script's node flags, with its JSON log lines captured:
 * from its TypeScript sources through tsx (the default, no build needed) or from
 * its build in `dist/` as in production (`COURIER_APPS_FROM=dist`, after `pnpm build`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { existsSync, readFileSync } from 'node:fs';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The apps that can be started. */
export type CourierApp = 'worker' | 'producer';

const READY_MESSAGE: Record<CourierApp, string> = {
  worker: 'courier worker started',
  producer: 'courier producer listening',
};

/**
 * What an app runs: `src` = its TypeScript sources through tsx (workspace packages
 * resolved to their sources too, the `source` export condition); `dist` = its
 * build, as `pnpm start` and the Dockerfiles run it (needs `pnpm build` first).
 */
export type CourierAppEntry = 'src' | 'dist';

/** The entry to run when a caller names none: `COURIER_APPS_FROM` (`src` or `dist`), else `src`. */
export function defaultAppEntry(env: Readonly<Record<string, string | undefined>> = process.env): CourierAppEntry {
  const from = env['COURIER_APPS_FROM'];
  if (from === undefined || from === '' || from === 'src') return 'src';
  if (from === 'dist') return 'dist';
  throw new Error(`COURIER_APPS_FROM must be src or dist, got "${from}"`);
}

/** The entry point of an app's `start` script. */
const START_ENTRY = 'dist/main.js';

/**
 * The node arguments of an app's `start` script (`node <flags> dist/main.js`, run
 * in the app's directory): the one definition of how an app is launched, used by
 * the tests, the benchmarks and the Dockerfiles alike. With `from = 'src'` the
 * same flags run `src/main.ts` through tsx instead.
 */
export function appStartArgs(app: CourierApp, from: CourierAppEntry = defaultAppEntry()): string[] {
  const pkg = JSON.parse(readFileSync(`${REPO_ROOT}apps/${app}/package.json`, 'utf8')) as { scripts?: { start?: string } };
  const argv = (pkg.scripts?.start ?? '').trim().split(/\s+/);
  if (argv[0] !== 'node' || argv.at(-1) !== START_ENTRY) {
    throw new Error(`apps/${app}/package.json: the start script must be "node <flags> ${START_ENTRY}", got "${pkg.scripts?.start}"`);
  }
  const flags = argv.slice(1, -1);
  return from === 'dist' ? [...flags, START_ENTRY] : [...flags, '--conditions=source', '--import', 'tsx', 'src/main.ts'];
}

/** NODE_OPTIONS without the `source` export condition (`--conditions=source`, `-C source`). */
export function withoutSourceCondition(nodeOptions: string): string {
  return nodeOptions.replace(/(?:^|\s)(?:--conditions|-C)(?:=|\s+)source(?=\s|$)/g, '').trim();
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

/** Options of {@link spawnCourier} and {@link launchCourier}. */
export interface LaunchOptions {
  /** Sources through tsx or the build (default {@link defaultAppEntry}). */
  readonly from?: CourierAppEntry;
}

/** Start an app with `COURIER_CONFIG=configPath`; resolves when it logs that it is ready. */
export async function spawnCourier(app: CourierApp, configPath: string, env: Record<string, string> = {}, options: LaunchOptions = {}): Promise<CourierProcess> {
  const launched = launchCourier(app, configPath, env, options);
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
export function launchCourier(app: CourierApp, configPath: string, env: Record<string, string> = {}, options: LaunchOptions = {}): LaunchedCourier {
  const from = options.from ?? defaultAppEntry();
  if (from === 'dist' && !existsSync(`${REPO_ROOT}apps/${app}/${START_ENTRY}`)) {
    throw new Error(`apps/${app}/${START_ENTRY} does not exist: run \`pnpm build\` first`);
  }
  const childEnv: NodeJS.ProcessEnv = { ...process.env, COURIER_CONFIG: configPath, ...env };
  // The build must load the other packages' builds too, whatever the tests resolve (vitest.config.ts).
  if (from === 'dist' && childEnv['NODE_OPTIONS'] !== undefined) childEnv['NODE_OPTIONS'] = withoutSourceCondition(childEnv['NODE_OPTIONS']);
  const child = spawn(process.execPath, appStartArgs(app, from), {
    cwd: `${REPO_ROOT}apps/${app}`,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const waiters = new Set<{ predicate: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }>();
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = parseLogLine(text);
    lines.push(line);
    for (const w of waiters) {
      if (w.predicate(line)) {
        waiters.delete(w);
        w.resolve(line);
      }
    }
  });
  createInterface({ input: child.stderr }).on('line', (text) => stderr.push(text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
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

/** A `key=value` pair of a text log line; the value bare or a JSON string. */
const TEXT_PAIR = /([\w.-]+)=("(?:[^"\\]|\\.)*"|\S*)/g;

/**
 * One line of an app's output as an object: a JSON line (`log.format: json`) as it is,
 * a `log.format: text` line (`time=... level=info msg="..." port=4000`) as its pairs
 * (`raw` holds the line), anything else as `{ raw }`.
 */
export function parseLogLine(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // not JSON: a text line, below
  }
  const line: Record<string, unknown> = { raw: text };
  for (const [, key, value] of text.matchAll(TEXT_PAIR)) {
    if (key === undefined || value === undefined) continue;
    line[key] = value.startsWith('"') ? (JSON.parse(value) as string) : value;
  }
  return line;
}
