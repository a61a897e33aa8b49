/**
 * Experiment behind BENCHMARKS.md's HTTP analysis: Courier's Jsonnet renderer in
 * its two modes, long-running sessions and one evaluation per batch, with 50
 * renders in flight (the worker's concurrency), as CPU per render and the
 * process's RSS over many renders.
 *
 * Run: `cd bench && node --conditions=source --import tsx src/experiments/jsonnet-session.ts sessions|batches [renders] [sessionMaxItems]`
 */
import { readFileSync } from 'node:fs';
import { createJsonnetBatchRenderer } from '@courier/core';
import { SMS_BODY_JSONNET } from '../workload.js';

const mode = process.argv[2] === 'batches' ? 'batches' : 'sessions';
const total = Number(process.argv[3] ?? 200_000);
const IN_FLIGHT = 50;
const rssMb = (): number => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024);

const renderer = createJsonnetBatchRenderer({
  source: async () => ({ text: SMS_BODY_JSONNET, version: '1' }),
  sessions: mode === 'sessions',
  ...(process.argv[4] === undefined ? {} : { sessionMaxItems: Number(process.argv[4]) }),
});
let started = 0;
let peak = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
async function lane(): Promise<void> {
  while (started < total) {
    const k = started++;
    await renderer.render({ recipient: `+1555${k}`, body: 'Your verification code is: 123456', template_type: 'verification_code_valid' });
    if (k % 10_000 === 0) peak = Math.max(peak, rssMb());
  }
}
await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
await renderer.close();
console.log(
  `${mode}: ${total} renders in ${seconds.toFixed(1)} s = ${Math.round(total / seconds)}/s, ` +
    `${((cpu.user + cpu.system) / 1000 / total).toFixed(3)} CPU ms per render (all threads), ` +
    `${renderer.stats().evaluations} evaluations, peak RSS ${peak} MB, end RSS ${rssMb()} MB`,
);
