/**
 * The pages of `courier templates preview --serve`: the preview page (subject,
 * the HTML body in a sandboxed iframe, the text body, or the error) and the
 * headers that keep a template's HTML inert: the body is served on its own URL
 * with a CSP `sandbox` and no script source, and framed with an empty `sandbox`
 * attribute, so nothing in a template runs.
 */
import type { PreviewResult } from './templates-render.js';

/** The preview server's current state. */
export interface PreviewState {
  /** Bumped on every re-render; the page reloads when it changes. */
  readonly version: number;
  readonly result?: PreviewResult | undefined;
  /** The render error (a TemplateError's message, which never holds template data). */
  readonly error?: string | undefined;
  readonly renderedAt: string;
}

/** CSP of the rendered HTML body: no scripts, forms, plugins or navigation; styles, images and fonts may load. */
export const BODY_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline' http: https: data:; img-src http: https: data: cid:; font-src http: https: data:";

/** CSP of the preview page: only its own (nonced) script and style, frames and events from itself. */
export function pageCsp(nonce: string): string {
  return `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; frame-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The preview page. */
export function previewPage(state: PreviewState, nonce: string, title: string): string {
  const r = state.result;
  const sections: string[] = [];
  if (state.error !== undefined) sections.push(`<section class="error"><h2>Render failed</h2><pre>${escapeHtml(state.error)}</pre></section>`);
  if (r !== undefined && state.error === undefined) {
    if (r.channel === 'email') {
      sections.push(`<section><h2>Subject</h2><p id="subject">${escapeHtml(r.subject ?? '')}</p></section>`);
      sections.push(`<section><h2>HTML body</h2><iframe sandbox title="HTML body" src="/body.html?v=${state.version}"></iframe></section>`);
      sections.push(`<section><h2>Text body</h2><pre id="text">${escapeHtml(r.text)}</pre></section>`);
    } else {
      sections.push(`<section><h2>SMS (${r.text.length} characters)</h2><pre id="text">${escapeHtml(r.text)}</pre></section>`);
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style nonce="${nonce}">
body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:60rem}
h1{font-size:1.2rem}h2{font-size:1rem;color:#555;margin-bottom:.3rem}
iframe{width:100%;height:32rem;border:1px solid #ccc;background:#fff}
pre{white-space:pre-wrap;background:#f6f6f6;padding:.8rem;border:1px solid #ddd}
.error pre{background:#fff0f0;border-color:#d99}.meta{color:#777;font-size:.85rem}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">data: ${escapeHtml(r?.data_source ?? '-')} · recipient: ${escapeHtml(r?.recipient ?? '-')} · rendered ${escapeHtml(state.renderedAt)} · reloads when a template file changes</p>
${sections.join('\n')}
<script nonce="${nonce}">
const version = ${state.version};
const events = new EventSource('/events');
events.addEventListener('render', (e) => { if (Number(e.data) !== version) location.reload(); });
</script>
</body></html>
`;
}
