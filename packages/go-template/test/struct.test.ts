/**
 * GoStruct: a pointer to a Go struct as template data. Expected outputs and messages were
 * produced by Go 1.19 (text/template and html/template) executing the same templates with
 * `&main.RecoveryCodeValidModel{...}` (a four-field struct) as data.
 */
import { describe, expect, it } from 'vitest';
import { GoStruct, parse, TemplateExecError } from '../src/index.js';

const model = () =>
  new GoStruct('*main.RecoveryCodeValidModel', {
    To: 'a@b.c',
    RecoveryCode: '123',
    Identity: { traits: { email: 'x' } },
    ExpiresInMinutes: 0,
  });

function run(source: string, html: boolean): string {
  return parse(html ? 'h' : 't', source, { html }).execute(model());
}

function execError(source: string, html: boolean): string {
  try {
    run(source, html);
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateExecError);
    return (err as Error).message;
  }
  throw new Error('expected an exec error');
}

describe('GoStruct', () => {
  for (const html of [false, true]) {
    const n = html ? 'h' : 't';
    describe(html ? 'html/template' : 'text/template', () => {
      it('reads fields; a struct pointer is true; zero fields are false', () => {
        expect(run('{{ .To }}{{ if .ExpiresInMinutes }}E{{ end }}{{ if . }}T{{ end }}', html)).toBe('a@b.cT');
        expect(run('{{ with .Identity }}{{ .traits.email }}{{ end }}', html)).toBe('x');
      });

      it('map fields stay maps', () => {
        expect(run('{{ .Identity.traits.email }}{{ .Identity.nope }}', html)).toBe(html ? 'x' : 'x<no value>');
      });

      it('prints as Go does', () => {
        expect(run('{{ . }}', html)).toBe('{a@b.c 123 map[traits:map[email:x]] 0}');
      });

      it("a missing field is Go's exec error, not <no value>", () => {
        expect(execError('{{ .Nope }}', html)).toBe(`template: ${n}:1:3: executing "${n}" at <.Nope>: can't evaluate field Nope in type *main.RecoveryCodeValidModel`);
        expect(execError('{{ .recoveryCode }}', html)).toBe(
          `template: ${n}:1:3: executing "${n}" at <.recoveryCode>: can't evaluate field recoveryCode in type *main.RecoveryCodeValidModel`,
        );
        expect(execError('{{ $.Nope }}', html)).toBe(`template: ${n}:1:4: executing "${n}" at <$.Nope>: can't evaluate field Nope in type *main.RecoveryCodeValidModel`);
      });

      it('a field given arguments is an error', () => {
        expect(execError('{{ .To "x" }}', html)).toBe(`template: ${n}:1:3: executing "${n}" at <.To>: To has arguments but cannot be invoked as function`);
      });
    });
  }

  it('printf %v shows the pointer as &{...}', () => {
    expect(parse('t', '{{ printf "%v" . }}', { html: false }).execute(model())).toBe('&{a@b.c 123 map[traits:map[email:x]] 0}');
  });
});
