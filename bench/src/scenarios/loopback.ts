/**
 * The loopback ceiling (see `baseline/loopback.ts`): nodemailer straight into the
 * SMTP sink, no queue. Runs in its own process, with the same pool as Courier's
 * defaults and the same number of sends in flight as the workers' concurrency.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from '../context.js';
import { DEFAULT_POOL } from './email.js';

const SCRIPT = fileURLToPath(new URL('../baseline/loopback.ts', import.meta.url));

/** One loopback run. */
export interface LoopbackRun {
  readonly messages: number;
  readonly rate: number;
  readonly cpuMsPerMessage: number;
}

/** Send `count` messages straight into the sink. */
export function loopbackRun(ctx: BenchContext, count: number): Promise<LoopbackRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', SCRIPT],
      {
        env: {
          ...process.env,
          NODE_OPTIONS: '',
          SMTP_PORT: String(ctx.smtp.port),
          COUNT: String(count),
          CONCURRENCY: String(ctx.sizes.concurrency),
          SMTP_MAX_CONNECTIONS: String(DEFAULT_POOL.maxConnections),
          SMTP_MAX_MESSAGES: String(DEFAULT_POOL.maxMessages),
        },
        timeout: 120_000,
      },
      (err, stdout) => {
        if (err) {
          reject(new Error(`loopback run failed: ${err.message}`, { cause: err }));
          return;
        }
        try {
          resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as LoopbackRun);
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      },
    );
  });
}
