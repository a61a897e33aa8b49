/**
 * Differential tests: every case is rendered by Go (text/template, html/template, sprig's hermetic map) and by this
 * package; outputs, partial outputs and error messages must agree byte for byte.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agree, GoRef, runTs, type Case, type Result } from './go-ref.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Cases from test/cases/*.jsonl: each line `[source, data?, html?]` (lines starting with # are comments). */
function loadCases(): { file: string; line: number; c: Case }[] {
  const out: { file: string; line: number; c: Case }[] = [];
  for (const file of readdirSync(join(here, 'cases'))
    .filter((f) => f.endsWith('.jsonl'))
    .sort()) {
    readFileSync(join(here, 'cases', file), 'utf8')
      .split('\n')
      .forEach((l, i) => {
        if (!l.trim() || l.startsWith('#')) return;
        const [source, data, html] = JSON.parse(l) as [string, unknown?, number?];
        out.push({ file, line: i + 1, c: { templates: [{ name: 't', source }], data: data ?? null, html: !!html } });
      });
  }
  return out;
}

/** Template sets: several sources parsed into one set, executed by name (Kratos's ParseFiles usage). */
const SETS: { title: string; c: Case }[] = [
  {
    title: 'layout + content files, shared defines',
    c: {
      templates: [
        { name: 'email.body.gotmpl', source: '{{define "greeting"}}Hello {{.Name}}{{end}}{{template "greeting" .}}, {{template "footer" .}}' },
        { name: 'footer.gotmpl', source: '{{define "footer"}}-- {{.Team | default "The Team"}}{{end}}' },
      ],
      data: { Name: 'Ann' },
    },
  },
  {
    title: 'executing the second file by name',
    c: {
      templates: [
        { name: 'a.gotmpl', source: 'A{{template "b.gotmpl" .}}' },
        { name: 'b.gotmpl', source: 'B{{.}}' },
      ],
      entry: 'b.gotmpl',
      data: 'x',
    },
  },
  {
    title: 'later define replaces an earlier one across files',
    c: {
      templates: [
        { name: 'one', source: '{{define "x"}}first{{end}}[{{template "x"}}]' },
        { name: 'two', source: '{{define "x"}}second{{end}}' },
      ],
      data: null,
    },
  },
  {
    title: 'html set: the same define called in text and attribute contexts',
    c: {
      templates: [
        { name: 'page.gotmpl', source: '<a title="{{template "v" .}}" href="/u?x={{template "v" .}}">{{template "v" .}}</a>' },
        { name: 'v.gotmpl', source: '{{define "v"}}{{.}}{{end}}' },
      ],
      data: 'a "b" & <c>',
      html: true,
    },
  },
  {
    title: 'html set: recursive template',
    c: {
      templates: [
        { name: 'tree', source: '{{define "node"}}<li>{{.n}}{{if .c}}<ul>{{range .c}}{{template "node" .}}{{end}}</ul>{{end}}</li>{{end}}<ul>{{template "node" .}}</ul>' },
      ],
      data: { n: 'root', c: [{ n: 'a<' }, { n: 'b', c: [{ n: 'c&' }] }] },
      html: true,
    },
  },
  {
    title: 'missing entry template',
    c: { templates: [{ name: 'a', source: 'x' }], entry: 'nope', data: null },
  },
  {
    title: 'missing entry template (html)',
    c: { templates: [{ name: 'a', source: 'x' }], entry: 'nope', data: null, html: true },
  },
  {
    title: 'parse error in the second file names that file',
    c: {
      templates: [
        { name: 'ok.gotmpl', source: 'fine' },
        { name: 'bad.gotmpl', source: 'line1\n{{if .x}}' },
      ],
      data: null,
    },
  },
];

const fileCases = loadCases();
let go: GoRef;
let fileResults: Result[];
let setResults: Result[];

beforeAll(async () => {
  go = new GoRef();
  fileResults = await go.renderAll(fileCases.map((f) => f.c));
  setResults = await go.renderAll(SETS.map((s) => s.c));
}, 60_000);
afterAll(() => go?.close());

describe('go-template differential (test/cases/*.jsonl)', () => {
  it(`agrees with Go on every case (${fileCases.length} cases)`, () => {
    const failures: string[] = [];
    fileCases.forEach((f, i) => {
      const ts = runTs(f.c);
      const g = fileResults[i]!;
      if (!agree(g, ts)) failures.push(`${f.file}:${f.line} ${JSON.stringify(f.c.templates[0]!.source)}\n  go: ${JSON.stringify(g)}\n  ts: ${JSON.stringify(ts)}`);
    });
    expect(failures.join('\n')).toBe('');
  });

  it('covers errors too: Go rejects exactly where we reject', () => {
    const errs = fileResults.filter((r) => !r.ok).length;
    expect(errs).toBeGreaterThan(50);
  });
});

describe('go-template differential (template sets)', () => {
  for (const [i, s] of SETS.entries()) {
    it(s.title, () => {
      const ts = runTs(s.c);
      expect(ts).toEqual(setResults[i]);
    });
  }
});
