/**
 * Start-up time of Courier's apps: from spawning the process until
 * `GET /health/ready` answers 200 (worker: Redis answers and its SMTP channel is
 * verified; producer: Redis answers), for each way of running them:
 *
 *   dist       `node <flags> --enable-source-maps dist/main.js`: the `start` script, as in production
 *   tsx        the same flags with `--import tsx src/main.ts`: how the apps ran before the build
 *              (tsx's compile cache warm, as on a developer's machine)
 *   tsx-cold   the same with tsx's cache off (TSX_DISABLE_CACHE=1): a fresh container
 *
 * Runs each mode once to warm the file cache (not counted), then `--runs` times
 * (default 5), modes interleaved so a busy machine affects them alike, and prints
 * median, min and max in milliseconds, and the median CPU time the process had
 * used when it was ready (user + system, from /proc: less sensitive than the wall
 * time to other load on the machine) and its RSS then. `pnpm bench:startup`
 * builds first (`tsc -b`, for dist).
 * Private Redis and SMTP sink on loopback; each process is stopped (SIGTERM) after
 * its measurement.
 *
 * With `--cpu-prof`, every counted process runs with `--cpu-prof` (its profile is
 * written when it exits after the measurement, so it covers start-up plus the
 * stop) and the profiles are summarised per app and mode, self time by location
 * and function (the profiler slows start-up: do not quote those runs' times).
 *
 *   pnpm bench:startup [--runs=5] [--apps=worker,producer] [--modes=dist,tsx,tsx-cold] [--markdown] [--cpu-prof]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appStartArgs, freePort, startRedisServer, startSmtpSink, withoutSourceCondition, type CourierApp } from '@courier/testkit';
import { scrubConfigEnvironment } from '../env/processes.js';
import { formatSummary, summarizeProfiles } from './profile-summary.js';
import { median, round } from '../report/stats.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MODES = ['dist', 'tsx', 'tsx-cold'] as const;
type Mode = (typeof MODES)[number];
const APPS: readonly CourierApp[] = ['worker', 'producer'];
const READY_TIMEOUT_MS = 60_000;
const POLL_MS = 5;
/** USER_HZ: the unit of /proc/<pid>/stat's times (100 on Linux everywhere in practice). */
const CLOCK_TICKS = 100;

function parseArgs(argv: readonly string[]): { runs: number; apps: CourierApp[]; modes: Mode[]; markdown: boolean; cpuProf: boolean } {
  let cpuProf = false;
  let runs = 5;
  let apps = [...APPS];
  let modes: Mode[] = [...MODES];
  let markdown = false;
  for (const arg of argv.filter((a) => a !== '--')) {
    if (arg.startsWith('--runs=')) {
      runs = Number(arg.slice('--runs='.length));
      if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new Error('--runs must be an integer from 1 to 50');
    } else if (arg.startsWith('--apps=')) {
      apps = arg.slice('--apps='.length).split(',') as CourierApp[];
      if (apps.some((a) => !APPS.includes(a))) throw new Error(`--apps: valid apps are ${APPS.join(', ')}`);
    } else if (arg.startsWith('--modes=')) {
      modes = arg.slice('--modes='.length).split(',') as Mode[];
      if (modes.some((m) => !MODES.includes(m))) throw new Error(`--modes: valid modes are ${MODES.join(', ')}`);
    } else if (arg === '--markdown') markdown = true;
    else if (arg === '--cpu-prof') cpuProf = true;
    else throw new Error(`unknown argument ${arg} (usage: --runs=N --apps=worker,producer --modes=${MODES.join(',')} --markdown --cpu-prof)`);
  }
  return { runs, apps, modes, markdown, cpuProf };
}

/** CPU time (user + system, every thread) a process has used, in ms, from /proc; NaN when unreadable. */
function cpuMsOf(pid: number | undefined): number {
  try {
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size of a process in MB, from /proc; NaN when unreadable. */
function rssMbOf(pid: number | undefined): number {
  try {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? Number.NaN : Number(kb) / 1024;
  } catch {
    return Number.NaN;
  }
}

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly rssMb: number;
}

/** Spawn the app, poll /health/ready until 200; milliseconds from spawn to that answer, CPU ms and RSS by then. */
async function measure(app: CourierApp, mode: Mode, configPath: string, profileDir?: string): Promise<Sample> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    COURIER_CONFIG: configPath,
    [app === 'worker' ? 'WORKER_PORT' : 'PRODUCER_PORT']: String(port),
    NODE_OPTIONS: withoutSourceCondition(process.env['NODE_OPTIONS'] ?? ''),
  };
  if (mode === 'tsx-cold') env['TSX_DISABLE_CACHE'] = '1';
  const started = performance.now();
  const profile = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, `${app}-${mode}`)}`];
  const child = spawn(process.execPath, [...profile, ...appStartArgs(app, mode === 'dist' ? 'dist' : 'src')], {
    cwd: `${REPO_ROOT}apps/${app}`,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = String(code ?? signal);
      resolve();
    }),
  );
  try {
    for (;;) {
      if (exit !== undefined) throw new Error(`${app} (${mode}) exited (${exit}) before it was ready: ${stderr}`);
      if (performance.now() - started > READY_TIMEOUT_MS) throw new Error(`${app} (${mode}) not ready within ${READY_TIMEOUT_MS} ms: ${stderr}`);
      const status = await fetch(`http://127.0.0.1:${port}/health/ready`)
        .then(async (res) => {
          await res.arrayBuffer();
          return res.status;
        })
        .catch(() => 0);
      if (status === 200) return { wallMs: performance.now() - started, cpuMs: cpuMsOf(child.pid), rssMb: rssMbOf(child.pid) };
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
}

async function main(): Promise<void> {
  const { runs, apps, modes, markdown, cpuProf } = parseArgs(process.argv.slice(2));
  for (const app of apps) {
    if (modes.includes('dist') && !existsSync(`${REPO_ROOT}apps/${app}/dist/main.js`)) {
      throw new Error(`apps/${app}/dist/main.js does not exist: run \`pnpm build\` first`);
    }
  }
  scrubConfigEnvironment();
  const redis = await startRedisServer();
  const smtp = await startSmtpSink();
  const dir = mkdtempSync(join(tmpdir(), 'courier-startup-'));
  const configPath = join(dir, 'courier.json');
  const profileDir = cpuProf ? join(tmpdir(), 'courier-startup-profiles', new Date().toISOString().replace(/[:.]/g, '-')) : undefined;
  writeFileSync(
    configPath,
    JSON.stringify({
      courier: { delivery_strategy: 'smtp', smtp: { connection_uri: `smtp://127.0.0.1:${smtp.port}/?disable_starttls=true` } },
      redis: { url: redis.url, prefix: '{bench-startup}' },
      worker: { host: '127.0.0.1', port: 0 },
      producer: { host: '127.0.0.1', port: 0, api_keys: ['bench-api-key-0123456789abcdef'] },
      log: { level: 'warn' },
    }),
  );
  const results: { app: CourierApp; mode: Mode; ms: number[]; cpuMs: number[]; rssMb: number[] }[] = [];
  try {
    for (const app of apps) {
      for (const mode of modes) {
        await measure(app, mode, configPath); // warm-up, not counted
        results.push({ app, mode, ms: [], cpuMs: [], rssMb: [] });
      }
      for (let i = 0; i < runs; i++) {
        for (const mode of modes) {
          const { wallMs, cpuMs, rssMb } = await measure(app, mode, configPath, profileDir);
          const result = results.find((r) => r.app === app && r.mode === mode)!;
          result.ms.push(wallMs);
          result.cpuMs.push(cpuMs);
          result.rssMb.push(rssMb);
          process.stderr.write(`[startup] ${app} ${mode} run ${i + 1}: ${Math.round(wallMs)} ms (CPU ${Math.round(cpuMs)} ms)\n`);
        }
      }
    }
  } finally {
    await smtp.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const rows = results.map((r) => ({
    app: r.app,
    mode: r.mode,
    median: round(median(r.ms)),
    min: round(Math.min(...r.ms)),
    max: round(Math.max(...r.ms)),
    cpu: round(median(r.cpuMs)),
    rss: round(median(r.rssMb), 1),
  }));
  if (profileDir !== undefined) {
    for (const r of results) {
      const sub = join(profileDir, `${r.app}-${r.mode}`);
      // Main threads only (thread id 0).
      const files = existsSync(sub) ? readdirSync(sub).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)) : [];
      process.stdout.write(
        `${formatSummary(
          summarizeProfiles(
            `${r.app} ${r.mode}`,
            files.map((f) => join(sub, f)),
          ),
        )}\n\n`,
      );
    }
    process.stdout.write(`CPU profiles (PROFILED: times slowed): ${profileDir}\n`);
  }
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  process.stdout.write(`spawn -> GET /health/ready 200, ${runs} runs each, node ${process.version}, load average now ${load}\n`);
  for (const r of rows) {
    process.stdout.write(
      `${r.app.padEnd(9)} ${r.mode.padEnd(9)} median ${String(r.median).padStart(5)} ms   (min ${r.min}, max ${r.max})   CPU median ${r.cpu} ms   RSS at ready ${r.rss} MB\n`,
    );
  }
  if (markdown) {
    process.stdout.write('\n| App | Runs as | Median | Min | Max | CPU (median) | RSS at ready |\n| --- | --- | ---: | ---: | ---: | ---: | ---: |\n');
    for (const r of rows) process.stdout.write(`| ${r.app} | ${r.mode} | ${r.median} ms | ${r.min} ms | ${r.max} ms | ${r.cpu} ms | ${r.rss} MB |\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`[startup] ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
