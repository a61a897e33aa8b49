/**
 * Keeps the README's quick start true: the dev runner starts producer, worker
 * and catcher with the dev config, and an e-mail and an SMS sent through the API
 * arrive. Uses the fixed dev ports (4000, 4001, 1025, 8025) and the test Redis.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

it('runs the quick start and delivers an e-mail and an SMS (--smoke)', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev/run.ts', '--smoke'], {
    cwd: ROOT,
    env: { ...process.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(output).toContain('[smoke] OK');
  expect(code, output).toBe(0);
}, 120_000);
