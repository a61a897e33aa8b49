/**
 * Builds and drives the Go reference renderer (test/go-ref/main.go) for differential tests.
 * Requires Go and Debian's sprig: `apt-get install golang-go golang-github-masterminds-sprig-dev`.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
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
    else
      throw new Error(
        'Go is not installed: the go-template differential tests need it. Install with: apt-get install -y golang-go golang-github-masterminds-sprig-dev (or run scripts/install-deps.sh)',
      );
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

/** A long-running Go reference process answering one JSON line per request, in order. */
export class GoRef {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((r: Result) => void)[] = [];
  private buf = '';

  constructor() {
    this.child = spawn(buildGoRef(), [], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.buf += chunk;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        this.waiting.shift()?.(JSON.parse(line) as Result);
      }
    });
  }

  /** Renders one case with Go. */
  render(c: Case): Promise<Result> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin.write(JSON.stringify({ templates: c.templates, entry: c.entry ?? c.templates[0]!.name, data: c.data ?? null, html: !!c.html }) + '\n');
    });
  }

  /** Renders many cases (pipelined). */
  renderAll(cases: readonly Case[]): Promise<Result[]> {
    return Promise.all(cases.map((c) => this.render(c)));
  }

  /** Stops the process. */
  close(): void {
    this.child.stdin.end();
  }
}

/** Runs many cases through a fresh Go process. */
export async function runGo(cases: readonly Case[]): Promise<Result[]> {
  const g = new GoRef();
  try {
    return await g.renderAll(cases);
  } finally {
    g.close();
  }
}

/** True when both renderings agree: same success, same output (also the partial output before an error) and same error. */
export function agree(go: Result, ts: Result): boolean {
  if (go.ok !== ts.ok) return false;
  if (go.ok) return go.out === ts.out;
  return go.err === ts.err && go.out === ts.out;
}

/** The string as written out in UTF-8 and read back (lone surrogates become U+FFFD, as Go's JSON decoding does). */
function utf8(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
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
    return { ok: true, out: utf8(set.executeTemplate(c.entry ?? c.templates[0]!.name, c.data ?? null)) };
  } catch (e) {
    if (e instanceof TemplateExecError) return { ok: false, out: utf8(e.partialOutput), phase: 'exec', err: e.message };
    if (e instanceof TemplateParseError) return { ok: false, out: '', phase: 'exec', err: e.message };
    return { ok: false, out: '', phase: 'crash', err: String((e as Error).stack) };
  }
}

/** Short single-template case. */
export function tc(source: string, data?: unknown, html = false): Case {
  return { templates: [{ name: 't', source }], data, html };
}
