/**
 * Builds and drives the Go reference renderer (test/go-ref/main.go) for differential tests.
 * Requires Go and Debian's sprig: `apt-get install golang-go golang-github-masterminds-sprig-dev`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFiles, TemplateExecError, TemplateParseError } from '../src/index.js';

/** One differential case. */
export interface Case {
  templates: { name: string; source: string }[];
  entry?: string;
  data?: unknown;
  html?: boolean;
}

/** Outcome of rendering a case. */
export interface Result {
  ok: boolean;
  out: string;
  phase?: string;
  err?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const GOPATH = '/usr/share/gocode';
let binary: string | null = null;

/** Builds the reference binary once per process; throws a clear error when Go or sprig is missing. */
export function buildGoRef(): string {
  if (binary) return binary;
  let goBin = 'go';
  try {
    execFileSync(goBin, ['version'], { stdio: 'pipe' });
  } catch {
    if (existsSync('/usr/lib/go/bin/go')) goBin = '/usr/lib/go/bin/go';
    else throw new Error('Go is not installed: the go-template differential tests need it. Install with: apt-get install -y golang-go golang-github-masterminds-sprig-dev (or run scripts/install-deps.sh)');
  }
  if (!existsSync(join(GOPATH, 'src/github.com/Masterminds/sprig'))) {
    throw new Error('sprig is not installed under /usr/share/gocode: apt-get install -y golang-github-masterminds-sprig-dev');
  }
  const dir = mkdtempSync(join(tmpdir(), 'go-ref-'));
  copyFileSync(join(here, 'go-ref/main.go'), join(dir, 'main.go'));
  const out = join(dir, 'go-ref');
  execFileSync(goBin, ['build', '-o', out, '.'], {
    cwd: dir,
    env: { ...process.env, GO111MODULE: 'off', GOPATH, GOFLAGS: '', GOCACHE: process.env.GOCACHE ?? join(tmpdir(), 'go-template-gocache') },
    stdio: 'pipe',
  });
  if (!statSync(out).isFile()) throw new Error('go build produced no binary');
  binary = out;
  return out;
}

/** Runs many cases through one Go process. */
export async function runGo(cases: readonly Case[]): Promise<Result[]> {
  const bin = buildGoRef();
  const child = spawn(bin, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((res, rej) => {
    child.on('error', rej);
    child.on('close', () => res());
  });
  const lines = cases.map((c) => JSON.stringify({ templates: c.templates, entry: c.entry ?? c.templates[0]!.name, data: c.data ?? null, html: !!c.html }) + '\n');
  child.stdin.end(lines.join(''));
  await done;
  const text = Buffer.concat(chunks).toString('utf8');
  const results = text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Result);
  if (results.length !== cases.length) throw new Error(`go-ref returned ${results.length} results for ${cases.length} cases`);
  return results;
}

/** Renders a case with this package. */
export function runTs(c: Case): Result {
  let set;
  try {
    set = parseFiles(c.templates, { html: !!c.html });
  } catch (e) {
    if (e instanceof TemplateParseError) return { ok: false, out: '', phase: 'parse', err: e.message };
    return { ok: false, out: '', phase: 'crash', err: String((e as Error).stack) };
  }
  try {
    return { ok: true, out: set.executeTemplate(c.entry ?? c.templates[0]!.name, c.data ?? null) };
  } catch (e) {
    if (e instanceof TemplateExecError) return { ok: false, out: e.partialOutput, phase: 'exec', err: e.message };
    if (e instanceof TemplateParseError) return { ok: false, out: '', phase: 'exec', err: e.message };
    return { ok: false, out: '', phase: 'crash', err: String((e as Error).stack) };
  }
}

/** Short single-template case. */
export function tc(source: string, data?: unknown, html = false): Case {
  return { templates: [{ name: 't', source }], data, html };
}
