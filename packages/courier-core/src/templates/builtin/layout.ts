/**
 * Building blocks of the built-in templates, in Go template syntax against Kratos's
 * models (`.RecoveryCode`, `.ExpiresInMinutes`, ...): the HTML frame every e-mail body
 * shares, and the recurring paragraphs.
 */

/** One paragraph of HTML body content, in Go html/template syntax. */
export type HtmlParagraph = string;

/** Expiry paragraph for codes, printed only when `ExpiresInMinutes` is not 0. */
export const EXPIRY_HTML = '{{ if .ExpiresInMinutes }}<p>This code expires in {{ .ExpiresInMinutes }} minutes.</p>{{ end }}';

/** Plaintext form of {@link EXPIRY_HTML}, followed by a blank line when printed. */
export const EXPIRY_PLAIN = '{{ if .ExpiresInMinutes }}This code expires in {{ .ExpiresInMinutes }} minutes.\n\n{{ end }}';

/** Expiry paragraph for links. */
export const LINK_EXPIRY_HTML = '{{ if .ExpiresInMinutes }}<p>This link expires in {{ .ExpiresInMinutes }} minutes.</p>{{ end }}';

/** Plaintext form of {@link LINK_EXPIRY_HTML}. */
export const LINK_EXPIRY_PLAIN = '{{ if .ExpiresInMinutes }}This link expires in {{ .ExpiresInMinutes }} minutes.\n\n{{ end }}';

/**
 * Wrap paragraphs into a minimal, valid HTML5 document.
 *
 * @param title - Static document title (no template actions: it is not user data).
 * @param paragraphs - HTML fragments, each becomes a `<p>` unless it starts with a tag or an action (which bring their own markup).
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

/** An HTML block showing a one-time code (a model field, e.g. `RecoveryCode`) so it stands out and is easy to copy. */
export function codeBlock(field: string): HtmlParagraph {
  return `<p style="font-size: 1.5em; font-weight: bold; letter-spacing: 0.15em;">{{ .${field} }}</p>`;
}

/** A link (a model field, e.g. `RecoveryURL`) that shows its own target, for mail clients that hide or strip anchors. */
export function linkBlock(field: string): HtmlParagraph {
  return `<p><a href="{{ .${field} }}">{{ .${field} }}</a></p>`;
}

/**
 * An SMS carrying a one-time code: the code, its expiry when known, and, when the
 * requesting site's domain is known, the origin-bound line `@domain #code` that lets
 * phones offer the code for autofill on that site (WebOTP), as Kratos's built-ins do.
 *
 * @param what - E.g. `login code`.
 * @param field - The model field holding the code, e.g. `LoginCode`.
 */
export function smsCode(what: string, field: string): string {
  return (
    `Your ${what} is {{ .${field} }}.{{ if .ExpiresInMinutes }} It expires in {{ .ExpiresInMinutes }} minutes.{{ end }}` +
    `{{ if .RequestURLDomain }}\n\n@{{ .RequestURLDomain }} #{{ .${field} }}{{ end }}`
  );
}

/** The closing paragraph of the "no account for this address" templates. */
export const NOT_YOU_TEXT = 'If this was not you, you can safely ignore this email.';

/** The closing paragraph of the verification templates. */
export const NOT_SIGNED_UP_TEXT = 'If you did not create an account, you can safely ignore this email.';
