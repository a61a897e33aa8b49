/**
 * `log.format: text`: each JSON log line rewritten as one `key=value` line, the
 * way Kratos's text logs read (`time=... level=info msg="..." message_id=...`).
 */
import { Writable } from 'node:stream';

const FIRST_KEYS = ['time', 'level', 'msg'] as const;

function formatValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /^[\w.:/@+-]+$/.test(text) ? text : JSON.stringify(text);
}

/** One JSON log line as a text line (a line that is not JSON is passed through). */
export function toTextLine(jsonLine: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine.endsWith('\n') ? jsonLine : `${jsonLine}\n`;
  }
  const parts: string[] = [];
  for (const key of FIRST_KEYS) if (entry[key] !== undefined) parts.push(`${key}=${formatValue(entry[key])}`);
  for (const [key, value] of Object.entries(entry)) {
    if (!(FIRST_KEYS as readonly string[]).includes(key) && value !== undefined) parts.push(`${key}=${formatValue(value)}`);
  }
  return `${parts.join(' ')}\n`;
}

/** A stream pino can write JSON lines to, which writes text lines to `out`. */
export function textDestination(out: NodeJS.WritableStream): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      pending += chunk.toString();
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        out.write(toTextLine(pending.slice(0, newline)));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
      done();
    },
  });
}
