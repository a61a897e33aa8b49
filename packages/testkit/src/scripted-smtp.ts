/**
 * A scripted SMTP server for fault tests: a plain-text SMTP peer on loopback whose
 * answers can be held back (RCPT TO) and whose behaviour after DATA's final dot is
 * chosen per message: answer 250, drop the connection without an answer, or never
 * answer. It records every message whose final dot it read, with its Message-ID and
 * what it did, so a test can tell which were handed over and which were answered.
 */
import { createServer, type Server, type Socket } from 'node:net';

/** What the server does after reading a message's final dot. */
export type AfterDot = 'answer' | 'drop' | 'silent';

/** A message whose final dot the server read. */
export interface ScriptedMail {
  readonly messageId: string | undefined;
  readonly raw: string;
  readonly afterDot: AfterDot;
  readonly at: number;
}

/** The server's script; each field may be changed while it runs. */
export interface SmtpScript {
  /** Milliseconds to hold back the answer to RCPT TO (default 0). */
  rcptDelayMs: number;
  /** What to do after a message's final dot (default `answer`). */
  afterDot: AfterDot;
}

/** A running scripted SMTP server. */
export interface ScriptedSmtp {
  readonly host: string;
  readonly port: number;
  readonly script: SmtpScript;
  /** Messages whose final dot was read, oldest first. */
  readonly received: ScriptedMail[];
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 1 << 20;

/** Start a scripted SMTP server on 127.0.0.1 (no TLS, no AUTH). */
export async function startScriptedSmtp(script: Partial<SmtpScript> = {}): Promise<ScriptedSmtp> {
  const state: SmtpScript = { rcptDelayMs: script.rcptDelayMs ?? 0, afterDot: script.afterDot ?? 'answer' };
  const received: ScriptedMail[] = [];
  const sockets = new Set<Socket>();
  let accepted = 0;

  const serve = (socket: Socket): void => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = '';
    let inData = false;
    const reply = (line: string): void => {
      if (!socket.destroyed) socket.write(`${line}\r\n`);
    };
    const command = (line: string): void => {
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO' || verb === 'HELO') reply('250 scripted.courier.test');
      else if (verb === 'MAIL' || verb === 'RSET' || verb === 'NOOP') reply('250 OK');
      else if (verb === 'RCPT') {
        if (state.rcptDelayMs > 0) setTimeout(() => reply('250 OK'), state.rcptDelayMs);
        else reply('250 OK');
      } else if (verb === 'DATA') {
        inData = true;
        reply('354 go ahead');
      } else if (verb === 'QUIT') {
        reply('221 bye');
        socket.end();
      } else reply('502 not implemented');
    };
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('latin1');
      if (buffer.length > MAX_MESSAGE_BYTES) {
        socket.destroy();
        return;
      }
      for (;;) {
        if (inData) {
          // The body ends with CRLF "." CRLF (its first line may be the dot itself).
          const end = `\r\n${buffer}`.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const raw = buffer.slice(0, Math.max(0, end));
          buffer = buffer.slice(end + 3);
          inData = false;
          const afterDot = state.afterDot;
          const messageId = /^Message-ID:\s*(\S+)/im.exec(raw)?.[1];
          received.push({ messageId, raw, afterDot, at: Date.now() });
          if (afterDot === 'answer') reply('250 queued');
          else if (afterDot === 'drop') {
            socket.destroy();
            return;
          }
          continue;
        }
        const nl = buffer.indexOf('\r\n');
        if (nl < 0) return;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        command(line);
      }
    };
    socket.on('data', onData);
    reply('220 scripted.courier.test ESMTP');
  };

  const server: Server = createServer(serve);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('scripted SMTP: no port');
  return {
    host: '127.0.0.1',
    port: address.port,
    script: state,
    received,
    connections: () => accepted,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
