/**
 * text/template's escaping builtins: `html`, `js`, `urlquery` and their string helpers.
 * @module
 */
import { isPrint, sprint } from '../printf.js';

/** text/template's `evalArgs`: a single string as is, otherwise fmt.Sprint with missing values as `<no value>`. */
export function evalArgs(args: readonly unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === undefined || a === null ? '<no value>' : a)));
}

const HTML_RE = /["'&<>\0]/g;
const HTML_MAP: Record<string, string> = { '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;', '\0': '\uFFFD' };

/** Go's `template.HTMLEscapeString`. */
export function htmlEscapeString(s: string): string {
  HTML_RE.lastIndex = 0;
  if (!HTML_RE.test(s)) return s;
  return s.replace(HTML_RE, (c) => HTML_MAP[c]!);
}

/** Go's `template.JSEscapeString`. */
export function jsEscapeString(s: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | null = null;
    if (c < 0x80) {
      switch (c) {
        case 92:
          rep = '\\\\';
          break;
        case 39:
          rep = "\\'";
          break;
        case 34:
          rep = '\\"';
          break;
        case 60:
          rep = '\\u003C';
          break;
        case 62:
          rep = '\\u003E';
          break;
        case 38:
          rep = '\\u0026';
          break;
        case 61:
          rep = '\\u003D';
          break;
        default:
          if (c < 0x20) rep = '\\u00' + c.toString(16).toUpperCase().padStart(2, '0');
      }
    } else {
      const cp = s.codePointAt(i)!;
      const w = cp > 0xffff ? 2 : 1;
      if (!isPrint(cp) || (cp >= 0xd800 && cp <= 0xdfff)) {
        rep = '\\u' + (cp >= 0xd800 && cp <= 0xdfff ? 'FFFD' : cp.toString(16).toUpperCase().padStart(4, '0'));
      }
      if (rep === null) {
        i += w - 1;
        continue;
      }
      out += s.slice(last, i) + rep;
      i += w - 1;
      last = i + 1;
      continue;
    }
    if (rep !== null) {
      out += s.slice(last, i) + rep;
      last = i + 1;
    }
  }
  return last === 0 ? s : out + s.slice(last);
}

const enc = new TextEncoder();

/** Go's `url.QueryEscape`. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of enc.encode(s)) {
    if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e) out += String.fromCharCode(b);
    else if (b === 0x20) out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}
