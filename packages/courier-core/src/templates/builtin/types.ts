/** The shape of a built-in template set. */

/**
 * Handlebars sources of one template type's built-in templates. They use the
 * snake_case field names of `template_data`.
 */
export interface BuiltinTemplate {
  /** E-mail subject; rendered without HTML escaping. */
  readonly subject: string;
  /** E-mail HTML body: a small complete HTML document; rendered with HTML escaping. */
  readonly html: string;
  /** E-mail plaintext body; rendered without HTML escaping. */
  readonly plaintext: string;
  /** SMS body; rendered without HTML escaping. Kept short: every segment costs money. */
  readonly sms: string;
}
