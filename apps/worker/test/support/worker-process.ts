/**
 * Worker processes for tests: each is a real `node` child running the worker's
 * entry point, with its JSON log lines captured.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const WORKER_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** A worker child process. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly healthPort: number;
  /** Every JSON log line so far (non-JSON lines as `{ raw }`). */
  readonly lines: Record<string, unknown>[];
  readonly stderr: string[];
  /** Resolves with exit code and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  waitForLine(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Start a worker with `COURIER_CONFIG=configPath`; resolves when it reports started. */
export async function spawnWorker(configPath: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: WORKER_DIR,
    env: { ...process.env, COURIER_CONFIG: configPath, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const waiters = new Set<{ predicate: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }>();
  createInterface({ input: child.stdout! }).on('line', (text) => {
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
  createInterface({ input: child.stderr! }).on('line', (text) => stderr.push(text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitForLine = (predicate: (l: Record<string, unknown>) => boolean, timeoutMs = 20_000) => {
    const found = lines.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const entry = { predicate, resolve: (l: Record<string, unknown>) => (clearTimeout(timer), resolve(l)) };
      const timer = setTimeout(() => {
        waiters.delete(entry);
        reject(new Error(`worker log line not seen within ${timeoutMs} ms; stderr: ${stderr.join('\n')}`));
      }, timeoutMs);
      waiters.add(entry);
      void exited.then(({ code, signal }) => {
        if (waiters.delete(entry)) {
          clearTimeout(timer);
          reject(new Error(`worker exited (${code ?? signal}) before the line appeared; stderr: ${stderr.join('\n')}`));
        }
      });
    });
  };
  const started = await waitForLine((l) => l['msg'] === 'courier worker started', 30_000);
  return {
    child,
    healthPort: Number(started['health_port']),
    lines,
    stderr,
    exited,
    kill: (signal) => {
      child.kill(signal);
    },
    waitForLine,
  };
}
