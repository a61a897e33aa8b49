/**
 * A real SMTP server for tests and benchmarks (nodemailer's `smtp-server`), bound to
 * 127.0.0.1 on a free port. It speaks plain SMTP, STARTTLS or implicit TLS, can
 * require AUTH, can ask for a client certificate, keeps every accepted message and
 * can be told to refuse messages or to go away for a while (outage tests).
 */
import type { AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { makeTestCertificate, type PemKeyPair } from './tls.js';

/** The certificate a client presented during the TLS handshake. */
export interface PeerCertificateInfo {
  /** Subject common name. */
  readonly subjectCN: string | undefined;
  /** SHA-256 fingerprint, colon-separated hex as Node prints it. */
  readonly fingerprint256: string;
  /** True when it chains to `SmtpSinkOptions.clientCa`. */
  readonly authorized: boolean;
}

/** One message the sink accepted. */
export interface ReceivedMail {
  readonly envelope: { readonly from: string; readonly to: string[] };
  /** The message as transmitted (headers and body), decoded as UTF-8. */
  readonly raw: string;
  /** The message parsed by mailparser; absent when the sink runs with `parse: false`. */
  readonly parsed: ParsedMail | undefined;
  /** Whether the session was under TLS when MAIL FROM arrived. */
  readonly secure: boolean;
  /** smtp-server's id of the connection it came over: equal ids mean a reused connection. */
  readonly sessionId: string;
  /** The authenticated user name, when the client logged in. */
  readonly user?: string | undefined;
  /** The name the client announced with EHLO/HELO (nodemailer's `name`, Kratos's `local_name`). */
  readonly clientHostname?: string | undefined;
  /** The server name the client asked for with SNI. */
  readonly servername?: string | undefined;
  /** The client certificate, when `requestClientCert` was set and the client sent one. */
  readonly peerCertificate?: PeerCertificateInfo | undefined;
  /** `Date.now()` when the message was accepted. */
  readonly receivedAt: number;
}

/** How the sink secures connections. */
export type SmtpSinkTls = 'none' | 'starttls' | 'implicit';

/** Options for {@link startSmtpSink}. */
export interface SmtpSinkOptions {
  /** `none`: plain text, STARTTLS not offered (the default); `starttls`: offered; `implicit`: TLS from the first byte. */
  readonly tls?: SmtpSinkTls;
  /** Require AUTH with these credentials; without it AUTH is optional and anything is accepted. */
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Server certificate; one for localhost/127.0.0.1 is made when omitted and TLS is used. */
  readonly cert?: PemKeyPair;
  /** Ask clients for a certificate (accepted whatever it is; see `ReceivedMail.peerCertificate`). */
  readonly requestClientCert?: boolean;
  /** CA to judge client certificates by (sets `PeerCertificateInfo.authorized`). */
  readonly clientCa?: string;
  /** Parse every message with mailparser (default true; benchmarks turn it off). */
  readonly parse?: boolean;
}

/** An SMTP reply that refuses a message, e.g. `{ code: 450, message: 'try later' }`. */
export interface SmtpRefusal {
  readonly code: number;
  readonly message: string;
}

/** Decides whether to refuse a message; `undefined` accepts it. At the `data` stage it also sees the message (`raw`). */
export type SmtpResponder = (mail: { from: string; to: string[]; raw?: string }) => SmtpRefusal | undefined;

/** Where a responder's refusal is given: at each RCPT TO (default) or after DATA. */
export type SmtpResponderStage = 'rcpt' | 'data';

/** A running SMTP sink. */
export interface SmtpSink {
  readonly host: string;
  readonly port: number;
  /** Accepted messages, oldest first. */
  readonly received: ReceivedMail[];
  /** Errors the server reported (failed TLS handshakes, broken connections). */
  readonly errors: Error[];
  /**
   * Reply to every RCPT TO (or, with stage `data`, every DATA) with an error when `fn`
   * returns one. `fn` is called for each; no argument restores accepting everything.
   */
  setResponder(fn?: SmtpResponder, stage?: SmtpResponderStage): void;
  /** Resolve with the received messages once at least `count` have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  count(): number;
  /** Stop listening and drop open connections; the sink cannot be started again. */
  close(): Promise<void>;
  /** Stop accepting connections and drop open ones (for outage tests). */
  stop(): Promise<void>;
  /** Listen again on the same port after {@link SmtpSink.stop}. */
  start(): Promise<void>;
}

const HOST = '127.0.0.1';

interface SessionState {
  secureAtMail: boolean;
  peerCertificate?: PeerCertificateInfo;
}

interface Waiter {
  readonly count: number;
  readonly resolve: (mails: ReceivedMail[]) => void;
}

function refusal(r: SmtpRefusal): Error & { responseCode: number } {
  return Object.assign(new Error(r.message), { responseCode: r.code });
}

function peerCertificateOf(socket: unknown): PeerCertificateInfo | undefined {
  if (!(socket instanceof TLSSocket)) return undefined;
  const cert = socket.getPeerCertificate();
  // An empty object is Node's way of saying "no certificate".
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- typed as a full certificate; at run time null or {} without one.
  if (cert === null || typeof cert !== 'object' || !('fingerprint256' in cert) || cert.fingerprint256 === undefined) {
    return undefined;
  }
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- same: a certificate may lack a subject.
  const cn = cert.subject?.CN;
  return {
    subjectCN: Array.isArray(cn) ? cn[0] : cn,
    fingerprint256: cert.fingerprint256,
    authorized: socket.authorized,
  };
}

/**
 * Start an SMTP sink on 127.0.0.1 and a free port.
 *
 * - `authOptional` unless `auth` is given; then AUTH is required and a wrong
 *   password gets 535. AUTH is allowed without TLS (it is a test server).
 * - `tls: 'none'` disables STARTTLS; `'starttls'` offers it; `'implicit'` speaks TLS at once.
 */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const tlsMode: SmtpSinkTls = options.tls ?? 'none';
  const parse = options.parse ?? true;
  const cert = options.cert ?? (tlsMode === 'none' ? undefined : await makeTestCertificate());
  const received: ReceivedMail[] = [];
  const errors: Error[] = [];
  const sessions = new Map<string, SessionState>();
  let waiters: Waiter[] = [];
  let responder: SmtpResponder | undefined;
  let responderStage: SmtpResponderStage = 'rcpt';
  let server: SMTPServer | undefined;
  let port = 0;
  let closed = false;

  const stateOf = (session: SMTPServerSession): SessionState => {
    let state = sessions.get(session.id);
    if (state === undefined) {
      state = { secureAtMail: false };
      sessions.set(session.id, state);
    }
    return state;
  };

  const envelopeOf = (session: SMTPServerSession): { from: string; to: string[] } => ({
    from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
    to: session.envelope.rcptTo.map((r) => r.address),
  });

  const record = (mail: ReceivedMail): void => {
    received.push(mail);
    const ready = waiters.filter((w) => received.length >= w.count);
    waiters = waiters.filter((w) => received.length < w.count);
    for (const w of ready) w.resolve([...received]);
  };

  const serverOptions: SMTPServerOptions = {
    name: 'sink.courier.test',
    logger: false,
    // Loopback only: a reverse lookup would query DNS for 127.0.0.1.
    disableReverseLookup: true,
    authOptional: options.auth === undefined,
    allowInsecureAuth: true,
    secure: tlsMode === 'implicit',
    disabledCommands: tlsMode === 'none' ? ['STARTTLS'] : [],
    // Tests close sinks often; the 30 s default grace period would stall them.
    closeTimeout: 100,
    ...(cert === undefined ? {} : { key: cert.key, cert: cert.cert }),
    ...(options.requestClientCert === true ? { requestCert: true, rejectUnauthorized: false, ...(options.clientCa === undefined ? {} : { ca: options.clientCa }) } : {}),
    onAuth(auth, _session, callback) {
      const expected = options.auth;
      if (expected !== undefined && auth.username === expected.user && auth.password === expected.pass) {
        callback(null, { user: auth.username });
        return;
      }
      if (expected === undefined) {
        callback(null, { user: auth.username });
        return;
      }
      callback(refusal({ code: 535, message: 'Authentication credentials invalid' }));
    },
    onSecure(socket, session, callback) {
      const peer = peerCertificateOf(socket);
      if (peer !== undefined) stateOf(session).peerCertificate = peer;
      callback();
    },
    onMailFrom(_address, session, callback) {
      stateOf(session).secureAtMail = session.secure;
      callback();
    },
    onRcptTo(address, session, callback) {
      if (responder !== undefined && responderStage === 'rcpt') {
        const answer = responder({ from: envelopeOf(session).from, to: [address.address] });
        if (answer !== undefined) {
          callback(refusal(answer));
          return;
        }
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err: Error) => callback(err));
      stream.on('end', () => {
        const envelope = envelopeOf(session);
        const buffer = Buffer.concat(chunks);
        if (responder !== undefined && responderStage === 'data') {
          const answer = responder({ ...envelope, raw: buffer.toString('utf8') });
          if (answer !== undefined) {
            callback(refusal(answer));
            return;
          }
        }
        const state = stateOf(session);
        const user: unknown = session.user;
        const base = {
          envelope,
          raw: buffer.toString('utf8'),
          secure: state.secureAtMail,
          sessionId: session.id,
          user: typeof user === 'string' ? user : undefined,
          clientHostname: session.hostNameAppearsAs || undefined,
          servername: typeof session.servername === 'string' ? session.servername : undefined,
          peerCertificate: state.peerCertificate,
        };
        // Accept only after recording, so a client whose send resolved finds its message here.
        const finish = (parsed: ParsedMail | undefined): void => {
          record({ ...base, parsed, receivedAt: Date.now() });
          callback();
        };
        if (!parse) {
          finish(undefined);
          return;
        }
        simpleParser(buffer).then(finish, (err: unknown) => {
          errors.push(err instanceof Error ? err : new Error(String(err)));
          callback(refusal({ code: 554, message: 'sink could not parse the message' }));
        });
      });
    },
    onClose(session) {
      sessions.delete(session.id);
    },
  };

  const listen = async (): Promise<void> => {
    const s = new SMTPServer(serverOptions);
    s.on('error', (err: Error) => errors.push(err));
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.listen(port, HOST, () => {
        s.server.off('error', reject);
        resolve();
      });
    });
    port = (s.server.address() as AddressInfo).port;
    server = s;
  };

  const shutdown = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (s === undefined) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      // A pooled client keeps idle connections open; end them now rather than after closeTimeout.
      for (const connection of s.connections) connection.close();
    });
  };

  await listen();

  return {
    host: HOST,
    get port() {
      return port;
    },
    received,
    errors,
    setResponder(fn, stage = 'rcpt') {
      responder = fn;
      responderStage = stage;
    },
    waitFor(count, timeoutMs = 5_000) {
      if (received.length >= count) return Promise.resolve([...received]);
      return new Promise<ReceivedMail[]>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(new Error(`SMTP sink: expected ${count} message(s) within ${timeoutMs} ms, got ${received.length}`));
        }, timeoutMs);
        const waiter: Waiter = {
          count,
          resolve: (mails) => {
            clearTimeout(timer);
            resolve(mails);
          },
        };
        waiters.push(waiter);
      });
    },
    count: () => received.length,
    async close() {
      closed = true;
      await shutdown();
    },
    stop: shutdown,
    async start() {
      if (closed) throw new Error('SMTP sink: start() after close()');
      if (server !== undefined) return;
      await listen();
    },
  };
}
