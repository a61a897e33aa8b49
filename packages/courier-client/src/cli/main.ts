#!/usr/bin/env node
/**
 * `courier` CLI entry point: `pnpm courier <command>` from the repository root
 * (the sources, through tsx), or the build: `node packages/courier-client/dist/cli/main.js
 * <command>`, the package's `courier` bin.
 */
import { runCli } from './run.js';

// Under `pnpm courier`, the script runs in the repository root; relative paths
// the user typed are meant from where they typed them.
const cwd = process.env['npm_lifecycle_event'] === 'courier' && process.env['INIT_CWD'] ? process.env['INIT_CWD'] : process.cwd();

const argv = process.argv.slice(2);
// Ctrl-C (or SIGTERM) ends the preview server cleanly; every other command keeps Node's default (exit at once).
const stop = new AbortController();
if (argv.includes('--serve') || argv.includes('--open')) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
}

const status = await runCli(argv, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd,
  signal: stop.signal,
});
process.exitCode = status;
