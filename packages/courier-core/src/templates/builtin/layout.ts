/**
 * The HTML frame every built-in e-mail body shares, so the body files only hold
 * their paragraphs.
 */

/** One paragraph of HTML body content, already in Handlebars syntax. */
export type HtmlParagraph = string;

/** Expiry paragraph for codes, printed only when `expires_in_minutes` is given (and not 0). */
export const EXPIRY_HTML = '{{#if expires_in_minutes}}<p>This code expires in {{expires_in_minutes}} minutes.</p>{{/if}}';

/** Plaintext form of {@link EXPIRY_HTML}, followed by a blank line when printed. */
export const EXPIRY_PLAIN = '{{#if expires_in_minutes}}This code expires in {{expires_in_minutes}} minutes.\n\n{{/if}}';

/** Expiry paragraph for links. */
export const LINK_EXPIRY_HTML = '{{#if expires_in_minutes}}<p>This link expires in {{expires_in_minutes}} minutes.</p>{{/if}}';

/** Plaintext form of {@link LINK_EXPIRY_HTML}. */
export const LINK_EXPIRY_PLAIN = '{{#if expires_in_minutes}}This link expires in {{expires_in_minutes}} minutes.\n\n{{/if}}';

/**
 * Wrap paragraphs into a minimal, valid HTML5 document.
 *
 * @param title - Static document title (no template expressions: it is not user data).
 * @param paragraphs - Handlebars HTML fragments, each becomes a `<p>` unless it starts with a tag or a block (which bring their own markup).
 */
export function htmlDocument(title: string, paragraphs: readonly HtmlParagraph[]): string {
  const body = paragraphs.map((p) => (p.startsWith('<') || p.startsWith('{{') ? `    ${p}` : `    <p>${p}</p>`)).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${title}</title>
  </head>
  <body style="font-family: -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; line-height: 1.5; color: #1f2328;">
${body}
  </body>
</html>
`;
}

/** An HTML block showing a one-time code so it stands out and is easy to copy. */
export function codeBlock(field: string): HtmlParagraph {
  return `<p style="font-size: 1.5em; font-weight: bold; letter-spacing: 0.15em;">{{${field}}}</p>`;
}

/** A link that shows its own target, for mail clients that hide or strip anchors. */
export function linkBlock(field: string): HtmlParagraph {
  return `<p><a href="{{${field}}}">{{${field}}}</a></p>`;
}

/** The closing paragraph of the "no account for this address" templates. */
export const NOT_YOU_TEXT = 'If this was not you, you can safely ignore this email.';

/** The closing paragraph of the verification templates. */
export const NOT_SIGNED_UP_TEXT = 'If you did not create an account, you can safely ignore this email.';
