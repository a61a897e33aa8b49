/**
 * Keeps the README's quick start true: after `pnpm build` (here `tsc -b`, which
 * only checks when the build is up to date, as in CI), the dev runner starts the
 * compiled producer and worker (dist/main.js) and the catcher with the dev config,
 * and an e-mail and an SMS sent through the API arrive. Uses the fixed dev ports
 * (4000, 4001, 1025, 8025) and the test Redis.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}

it('builds, runs the quick start from dist and delivers an e-mail and an SMS (--smoke)', async () => {
  const build = await run([TSC, '-b']);
  expect(build.code, build.output).toBe(0);
  const { code, output } = await run(['--import', 'tsx', 'scripts/dev/run.ts', '--smoke'], { COURIER_APPS_FROM: 'dist' });
  expect(output).toContain('[dev] starting the apps from their build (dist/main.js)');
  expect(output).toContain('[smoke] OK');
  expect(code, output).toBe(0);
}, 300_000);
