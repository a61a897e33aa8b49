/**
 * A development mail and SMS catcher: an SMTP server on 127.0.0.1:1025 and an
 * HTTP server on 127.0.0.1:8025 that takes SMS at POST /sms and lists everything
 * caught at GET / (JSON). Nothing leaves the machine.
 */
import { createServer, type Server } from 'node:http';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One caught message. */
export interface Caught {
  readonly kind: 'email' | 'sms';
  readonly to: string;
  readonly subject?: string | undefined;
  readonly text: string;
  readonly at: string;
}

/** A running catcher. */
export interface Catcher {
  readonly caught: Caught[];
  close(): Promise<void>;
}

/** Start the catcher; `onCaught` is told about each message. */
export async function startCatcher(options: { smtpPort: number; httpPort: number; onCaught?: (c: Caught) => void }): Promise<Catcher> {
  const caught: Caught[] = [];
  const record = (c: Caught): void => {
    caught.push(c);
    if (caught.length > 1_000) caught.shift();
    options.onCaught?.(c);
  };
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          record({
            kind: 'email',
            to: session.envelope.rcptTo.map((r) => r.address).join(', '),
            subject: mail.subject,
            text: (mail.text ?? '').trim(),
            at: new Date().toISOString(),
          });
          callback();
        })
        .catch((err: unknown) => callback(err instanceof Error ? err : new Error(String(err))));
    },
  });
  const http: Server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/sms') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        let parsed: { to?: string; body?: string } = {};
        try {
          parsed = JSON.parse(body) as typeof parsed;
        } catch {
          parsed = { body };
        }
        record({ kind: 'sms', to: parsed.to ?? '?', text: parsed.body ?? body, at: new Date().toISOString() });
        res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"dev"}');
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(caught, null, 2));
  });
  await new Promise<void>((resolve, reject) => {
    smtp.on('error', reject);
    smtp.listen(options.smtpPort, '127.0.0.1', () => resolve());
  });
  await new Promise<void>((resolve, reject) => {
    http.on('error', reject);
    http.listen(options.httpPort, '127.0.0.1', () => resolve());
  });
  return {
    caught,
    async close() {
      await new Promise<void>((r) => smtp.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
