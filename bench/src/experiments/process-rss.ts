/**
 * Experiment behind BENCHMARKS.md's RSS analysis: what running through tsx costs
 * in resident memory, before any application code. Starts an idle Node process
 * with and without `--import tsx` and reads its RSS and thread count.
 *
 * Run: `cd bench && node --import tsx src/experiments/process-rss.ts`
 */
import { spawn } from 'node:child_process';

const PROBE =
  "setTimeout(() => { const s = require('fs').readFileSync('/proc/self/status', 'utf8'); " +
  'console.log(JSON.stringify({ rssKb: Number(/VmRSS:\\s+(\\d+)/.exec(s)[1]), threads: Number(/Threads:\\s+(\\d+)/.exec(s)[1]) })); }, 1500);';

async function probe(args: string[]): Promise<{ rssKb: number; threads: number }> {
  const child = spawn(process.execPath, [...args, '-e', PROBE], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise((resolve) => child.once('exit', resolve));
  return JSON.parse(out) as { rssKb: number; threads: number };
}

for (const [label, args] of [
  ['node', []],
  ['node --import tsx', ['--import', 'tsx']],
] as const) {
  const samples = [await probe([...args]), await probe([...args]), await probe([...args])];
  const rss = samples.map((s) => Math.round(s.rssKb / 1024)).sort((a, b) => a - b);
  console.log(`${label}: idle RSS ${rss[1]} MB (runs: ${rss.join(', ')}), ${samples[0]!.threads} threads`);
}
