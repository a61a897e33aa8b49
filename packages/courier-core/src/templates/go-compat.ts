/**
 * A deliberately small bridge for Kratos users bringing Go templates.
 *
 * Supported: simple field references `{{ .Foo }}` and `{{ .Foo.Bar }}` (with optional
 * `{{-`/`-}}` trim markers), rewritten to Handlebars `{{Foo}}`/`{{Foo.Bar}}`, plus a
 * render context that carries Kratos's Go field names next to the snake_case ones.
 *
 * Not supported: Go actions (`{{if}}`, `{{range}}`, `{{with}}`, `{{end}}`, `{{template}}`,
 * pipelines, functions). They are detected and rejected with a clear message instead
 * of rendering something subtly wrong.
 *
 * The rewrite is applied to every template source, not only `.gotmpl` files: `{{ .Foo }}`
 * is a syntax error in Handlebars, so rewriting it can never change a valid template.
 */
import type { TemplateData } from '../message.js';

const FIELD_REF = /\{\{(-)?[ \t]*\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)[ \t]*(-)?\}\}/g;

/**
 * Go actions. Handlebars blocks start with `#`/`/`, so a bare keyword is never valid
 * Handlebars block syntax; `{{else}}` is shared by both languages and left alone.
 */
const GO_ACTION = /\{\{-?\s*(if|range|with|end|define|template|block|else\s+if)(?=[\s}-])/;

/** Rewrite Go field references to Handlebars paths; everything else is left as it is. */
export function rewriteGoFieldReferences(source: string): string {
  return source.replace(
    FIELD_REF,
    (_m, left: string | undefined, path: string, right: string | undefined) =>
      `{{${left === undefined ? '' : '~'}${path}${right === undefined ? '' : '~'}}}`,
  );
}

/**
 * The Go action a source uses, e.g. `if`, or undefined when it uses none.
 * Used to explain a compile failure instead of letting Handlebars misparse it.
 */
export function findGoAction(source: string): string | undefined {
  const m = GO_ACTION.exec(source);
  return m?.[1]?.replace(/\s+/g, ' ');
}

/**
 * The object templates render against: the template data as given (snake_case), plus
 * Kratos's Go names so `{{ .RecoveryCode }}` keeps working after the rewrite.
 */
export function renderContext(data: TemplateData): Record<string, unknown> {
  const traits = data['traits'] ?? data.identity?.['traits'];
  return {
    ...data,
    To: data.to,
    RecoveryURL: data.recovery_url,
    RecoveryCode: data.recovery_code,
    VerificationURL: data.verification_url,
    VerificationCode: data.verification_code,
    LoginCode: data.login_code,
    RegistrationCode: data.registration_code,
    Identity: data.identity,
    // Kratos's registration_code model exposes the traits directly rather than the identity.
    Traits: traits,
    RequestURL: data.request_url,
    TransientPayload: data.transient_payload,
    ExpiresInMinutes: data.expires_in_minutes,
  };
}
