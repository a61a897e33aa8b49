/** API behaviour: sets, errors with positions, number mapping, trusted html types, caller functions, printf. */
import { describe, expect, it } from 'vitest';
import { float64, GoTyped, int64, parse, parseFiles, sprintf, supportedSprigFunctions, NON_HERMETIC, TemplateExecError, TemplateParseError } from '../src/index.js';

describe('parse errors', () => {
  it('carry file, line and column and Go’s message', () => {
    let err: unknown;
    try {
      parseFiles(
        [
          { name: 'ok.gotmpl', source: 'x' },
          { name: 'bad.gotmpl', source: 'line one\n  {{ .a | nosuchfn }}' },
        ],
        { html: false },
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateParseError);
    const pe = err as TemplateParseError;
    expect(pe.message).toBe('template: bad.gotmpl:2: function "nosuchfn" not defined');
    expect(pe.file).toBe('bad.gotmpl');
    expect(pe.line).toBe(2);
    expect(pe.column).toBe(11);
  });

  it('reject every non-hermetic or unimplemented sprig function at parse time, never render empty', () => {
    for (const fn of [...NON_HERMETIC, 'genSignedCert', 'buildCustomCert', 'genCA']) {
      expect(() => parse('t', `{{ ${fn} }}`, { html: true })).toThrow(`template: t:1: function "${fn}" not defined`);
    }
  });

  it('sprig can be switched off', () => {
    expect(() => parse('t', '{{ upper "a" }}', { html: false, sprig: false })).toThrow('function "upper" not defined');
  });
});

describe('newer Go syntax', () => {
  it('accepts {{else with}} (Go 1.23)', () => {
    const t = parse('t', '{{with .a}}a={{.}}{{else with .b}}b={{.}}{{else}}none{{end}}', { html: false });
    expect([t.execute({ a: 1, b: 2 }), t.execute({ b: 2 }), t.execute({})]).toEqual(['a=1', 'b=2', 'none']);
  });
});

describe('exec errors', () => {
  it('use Go’s format and keep the partial output', () => {
    const t = parse('mail', 'Hi {{.a}}\n{{ .b.c }}', { html: false });
    let err: unknown;
    try {
      t.execute({ a: 'x', b: 'str' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateExecError);
    expect((err as TemplateExecError).message).toBe('template: mail:2:5: executing "mail" at <.b.c>: can\'t evaluate field c in type interface {}');
    expect((err as TemplateExecError).partialOutput).toBe('Hi x\n');
  });

  it('report endless template recursion with Go’s message', () => {
    const t = parse('t', '{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}', { html: false });
    expect(() => t.execute(null)).toThrow('template: t:1:25: executing "r" at <{{template "r" .}}>: exceeded maximum template depth (100000)');
  });

  it('report a missing entry template', () => {
    expect(() => parse('a', 'x', { html: false }).executeTemplate('b', null)).toThrow('template: no template "b" associated with template "a"');
  });
});

describe('numbers', () => {
  it('integers are Go ints and other numbers float64 by default', () => {
    const t = parse('t', '{{printf "%d %v %T %T" .n .f .n .f}} {{eq .n 15}}', { html: false });
    expect(t.execute({ n: 15, f: 1.5 })).toBe('15 1.5 int float64 true');
  });
  it("numbers: 'float64' makes every number a float64, as Go's encoding/json does", () => {
    const t = parse('t', '{{printf "%v %T" .n .n}} {{printf "%d" .n}}', { html: false, numbers: 'float64' });
    expect(t.execute({ n: 15 })).toBe('15 float64 %!d(float64=15)');
  });
  it('float64() and int64() mark single values', () => {
    const t = parse('t', '{{printf "%T %T %v" .a .b .a}}', { html: false });
    expect(t.execute({ a: float64(3), b: int64(3) })).toBe('float64 int64 3');
  });
});

describe('html/template', () => {
  it('trusted types pass through their own context only (URL is still normalised, as in Go)', () => {
    const t = parse('t', '<p>{{.h}}</p><a href="{{.u}}" title="{{.h}}">', { html: true });
    expect(t.execute({ h: new GoTyped('HTML', '<b>bold</b>'), u: new GoTyped('URL', 'javascript:ok()') })).toBe('<p><b>bold</b></p><a href="javascript:ok%28%29" title="bold">');
  });
  it('escape errors are reported at execution like Go', () => {
    const t = parse('t', '<a href="{{.}}', { html: true });
    expect(() => t.execute('x')).toThrow('html/template:t: ends in a non-text context: {stateURL delimDoubleQuote urlPartNone jsCtxRegexp attrURL elementNone <nil>}');
  });
  it('cannot parse more after the first execution', () => {
    const t = parse('t', 'x', { html: true });
    t.execute(null);
    expect(() => t.parse('u', 'y')).toThrow('cannot Parse after Execute');
  });
});

describe('caller functions', () => {
  it('plain JS functions take and return plain values; throwing is Go’s error result', () => {
    const t = parse('t', '{{ greet .name 2 }} {{ boom }}', {
      html: false,
      funcs: {
        greet: (n: unknown, k: unknown) => `hi ${String(n)} x${String(k)}`,
        boom: () => {
          throw new Error('kaput');
        },
      },
    });
    expect(() => t.execute({ name: 'bo' })).toThrow('template: t:1:23: executing "t" at <boom>: error calling boom: kaput');
  });
  it('typed descriptions are argument-checked like Go', () => {
    const t = parse('t', '{{ twice "a" }}', { html: false, funcs: { twice: { params: ['int'], fn: (n: number) => n * 2 } } });
    expect(() => t.execute(null)).toThrow('expected integer; found "a"');
  });
});

describe('printf', () => {
  it('implements the common verbs', () => {
    expect(sprintf('%s|%5d|%-5s|%q|%x|%X|%.2f|%t|%%|%v', ['a', 42, 'ab', 'q"', 255, 'hi', 2.675, true, [1, 'b']])).toBe('a|   42|ab   |"q\\""|ff|6869|2.67|true|%|[1 b]');
    expect(sprintf('%d %s', ['x'])).toBe('%!d(string=x) %!s(MISSING)');
  });
});

describe('sprig coverage', () => {
  it('lists what it implements', () => {
    const fns = supportedSprigFunctions();
    for (const f of ['title', 'upper', 'lower', 'default', 'nospace', 'cat', 'toJson', 'b64enc', 'sha256sum', 'regexReplaceAll', 'kebabcase']) expect(fns).toContain(f);
    for (const f of NON_HERMETIC) expect(fns).not.toContain(f);
  });
});
