/**
 * Kratos's `log` section applied to the app logger: text format, redaction text,
 * and Kratos's level names.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging/logger.js';
import { toTextLine } from '../src/logging/text-format.js';
import { parseConfig } from '../src/config/load.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  return { stream, text: () => chunks.join('') };
}

const base = { courier: { smtp: { connection_uri: 'smtp://127.0.0.1:25/' } } };

describe('log section', () => {
  it("takes Kratos's level names, format and redaction text", () => {
    expect(parseConfig({ ...base, log: { level: 'warning' } }).log.level).toBe('warn');
    expect(parseConfig({ ...base, log: { level: 'panic' } }).log.level).toBe('fatal');
    expect(parseConfig({ ...base, log: { level: 'trace', format: 'text', leak_sensitive_values: true, redaction_text: 'XX' } }).log).toEqual({
      level: 'trace',
      format: 'text',
      leak_sensitive_values: true,
      redaction_text: 'XX',
    });
    expect(() => parseConfig({ ...base, log: { format: 'logfmt' } })).toThrow(/log\.format/);
  });

  it('writes key=value lines with format text, with the configured redaction text', async () => {
    const out = capture();
    const logger = createLogger({ level: 'info', app: 'courier-test', destination: out.stream, format: 'text', redactionText: '<hidden>' });
    logger.info({ message_id: 'm-1', password: 'hunter22', note: 'two words' }, 'message sent');
    await new Promise((r) => setImmediate(r));
    const line = out.text();
    expect(line).toMatch(/^time=\S+ level=info msg="message sent" app=courier-test pid=\d+ message_id=m-1 password="<hidden>" note="two words"\n$/);
    expect(line).not.toContain('hunter22');
  });

  it('keeps JSON by default', async () => {
    const out = capture();
    createLogger({ level: 'info', app: 'courier-test', destination: out.stream }).info({ password: 'hunter22' }, 'x');
    await new Promise((r) => setImmediate(r));
    expect(JSON.parse(out.text())).toMatchObject({ level: 'info', msg: 'x', password: '[redacted]' });
  });

  it('passes a line that is not JSON through', () => {
    expect(toTextLine('plain')).toBe('plain\n');
  });
});
