/** The shape of a built-in template set. */

/**
 * Go template sources of one template type's built-in templates, against Kratos's
 * model of the type (`.RecoveryCode`, `.ExpiresInMinutes`, ...).
 */
export interface BuiltinTemplate {
  /** E-mail subject; rendered with text/template. */
  readonly subject: string;
  /** E-mail HTML body: a small complete HTML document; rendered with html/template. */
  readonly html: string;
  /** E-mail plaintext body; rendered with text/template. */
  readonly plaintext: string;
  /** SMS body; rendered with text/template. Kept short: every segment costs money. */
  readonly sms: string;
}
