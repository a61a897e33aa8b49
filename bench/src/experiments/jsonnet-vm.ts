/**
 * Experiment behind BENCHMARKS.md's HTTP analysis: the cost of one libjsonnet
 * evaluation (node-jsonnet, as Courier's batch renderer uses it) by batch size,
 * with a fresh VM per evaluation (what the renderer does) and with one reused VM,
 * and the process RSS each way after many evaluations.
 *
 * Run: `cd bench && node --import tsx src/experiments/jsonnet-vm.ts fresh|reused`
 * (one mode per process, so the RSS figures do not mix).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { SMS_BODY_JSONNET } from '../workload.js';

interface JsonnetVm {
  extCode(name: string, code: string): JsonnetVm;
  evaluateSnippet(snippet: string, filename?: string): Promise<string>;
}
const requireFromCore = createRequire(new URL('../../../packages/courier-core/package.json', import.meta.url));
const { Jsonnet } = requireFromCore('@hanazuki/node-jsonnet') as { Jsonnet: new () => JsonnetVm };

const mode = process.argv[2] === 'reused' ? 'reused' : 'fresh';
const rssMb = (): number => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024);
const snippet = `local t = (${SMS_BODY_JSONNET}); [t(c) for c in std.extVar('cs')]`;
const ctx = JSON.stringify({ recipient: '+15550000000', body: 'Your verification code is: 123456', template_type: 'verification_code_valid' });
const shared = new Jsonnet();

console.log(`mode ${mode}, RSS at start ${rssMb()} MB`);
for (const batch of [1, 50, 200, 500]) {
  const contexts = `[${Array.from({ length: batch }, () => ctx).join(',')}]`;
  const times: number[] = [];
  for (let k = 0; k < 7; k++) {
    const vm = mode === 'reused' ? shared : new Jsonnet();
    const t0 = performance.now();
    vm.extCode('cs', contexts);
    await vm.evaluateSnippet(snippet, 'body.jsonnet');
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`batch ${String(batch).padStart(3)}: median ${times[3]!.toFixed(1)} ms per evaluation (${(times[3]! / batch).toFixed(2)} ms per message)`);
}
let peak = 0;
for (let k = 0; k < 150; k++) {
  const vm = mode === 'reused' ? shared : new Jsonnet();
  vm.extCode('cs', `[${Array.from({ length: 50 }, () => ctx).join(',')}]`);
  await vm.evaluateSnippet(snippet, 'body.jsonnet');
  peak = Math.max(peak, rssMb());
}
console.log(`after 150 more evaluations of 50: RSS ${rssMb()} MB, peak ${peak} MB`);
