/**
 * Summarise V8 `.cpuprofile` files (from `--cpu-prof`): self time by function
 * and by where the code lives (a package, an app, Node's internals, GC), so a hot
 * path can be read off without a profiler UI. Also usable on its own:
 * `node --import tsx src/tools/profile-summary.ts <file.cpuprofile>...`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** Self time of one entry. */
interface ProfileEntry {
  readonly name: string;
  readonly ms: number;
  readonly percent: number;
}

/** The summary of one or more profiles of the same kind of process. */
export interface ProfileSummary {
  readonly label: string;
  readonly files: number;
  readonly totalMs: number;
  /** Share of time not idle. */
  readonly busyPercent: number;
  readonly topFunctions: readonly ProfileEntry[];
  readonly byLocation: readonly ProfileEntry[];
}

/** Where a frame's code lives: `node_modules/<pkg>`, a workspace folder, `node:` internals, or a V8 pseudo-frame. */
function locationOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node:internals';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') === true ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const ws = /\/(apps\/[^/]+|packages\/[^/]+|bench)\/(.*)$/.exec(url);
  if (ws !== null) return `${ws[1]}/${ws[2]}`;
  return url;
}

/** A short name of a frame's file: the path inside its package or workspace folder, or Node's own name. */
function fileOf(frame: CallFrame): string {
  const { url } = frame;
  if (url === '' || url.startsWith('node:')) return url;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) return url.slice(nm + '/node_modules/'.length);
  const ws = /\/(apps\/[^/]+|packages\/[^/]+|bench)\/(.*)$/.exec(url);
  return ws === null ? url : `${ws[1]}/${ws[2]}`;
}

/** Summarise profiles of one kind of process together (self time summed over them). */
export function summarizeProfiles(label: string, files: readonly string[], top = 25): ProfileSummary {
  const fn = new Map<string, number>();
  const loc = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const selfUs = new Map<number, number>();
    profile.samples.forEach((id, i) => {
      selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
    });
    for (const [id, us] of selfUs) {
      const frame = byId.get(id)?.callFrame;
      if (frame === undefined) continue;
      total += us;
      if (frame.functionName === '(idle)') idle += us;
      const where = locationOf(frame);
      const name = frame.url === '' ? `${frame.functionName} ${where}` : `${frame.functionName || '(anonymous)'} ${fileOf(frame)}:${frame.lineNumber + 1}`;
      fn.set(name, (fn.get(name) ?? 0) + us);
      loc.set(where, (loc.get(where) ?? 0) + us);
    }
  }
  // Shares are of busy time: idle time says nothing about where the work goes.
  const busy = Math.max(1, total - idle);
  const entries = (m: Map<string, number>): ProfileEntry[] =>
    [...m.entries()]
      .filter(([name]) => !name.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1_000), percent: Math.round((us / busy) * 1_000) / 10 }));
  return {
    label,
    files: files.length,
    totalMs: Math.round(total / 1_000),
    busyPercent: total === 0 ? 0 : Math.round((busy / total) * 1_000) / 10,
    topFunctions: entries(fn),
    byLocation: entries(loc),
  };
}

/** The summary as text. */
export function formatSummary(s: ProfileSummary): string {
  const list = (title: string, items: readonly ProfileEntry[]): string =>
    [`  ${title}:`, ...items.map((e) => `    ${e.percent.toFixed(1).padStart(5)}%  ${String(e.ms).padStart(6)} ms  ${e.name}`)].join('\n');
  return [
    `${s.label} (${s.files} profile(s)): ${s.totalMs} ms sampled, ${s.busyPercent}% busy; shares are of busy time`,
    list('self time by location', s.byLocation),
    list('self time by function', s.topFunctions),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = process.argv.slice(2);
  process.stdout.write(`${formatSummary(summarizeProfiles('profiles', files))}\n`);
}
