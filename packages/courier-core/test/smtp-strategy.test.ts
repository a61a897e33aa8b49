/**
 * The SMTP strategy against a real in-process SMTP server (@courier/testkit's sink):
 * TLS modes, certificate checks, AUTH, message shape, error classification, pooling.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSignedCertificate, makeTestCertificate, makeTestCertificateAuthority, startSmtpSink, type ReceivedMail, type SmtpSink, type SmtpSinkOptions } from '@courier/testkit';
import { ConfigError, DeliveryError } from '../src/errors.js';
import { classifySmtpError, smtpSecretVariants } from '../src/delivery/smtp-errors.js';
import { createSmtpStrategy, type SmtpConfig, type SmtpStrategyOptions } from '../src/delivery/smtp.js';
import type { DeliveryStrategy, OutboundMessage } from '../src/delivery/strategy.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const SMTP_MODULE = fileURLToPath(new URL('../src/delivery/smtp.ts', import.meta.url));

const sinks: SmtpSink[] = [];
const strategies: DeliveryStrategy[] = [];
const cleanups: (() => Promise<void>)[] = [];
const tempDirs: string[] = [];

afterEach(async () => {
  await Promise.allSettled(strategies.splice(0).map(async (s) => s.close?.()));
  await Promise.allSettled(sinks.splice(0).map(async (s) => s.close()));
  await Promise.allSettled(cleanups.splice(0).map(async (cleanup) => cleanup()));
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function sink(options?: SmtpSinkOptions): Promise<SmtpSink> {
  const s = await startSmtpSink(options);
  sinks.push(s);
  return s;
}

function smtpConfig(uri: string, extra: Partial<SmtpConfig> = {}): SmtpConfig {
  return { connection_uri: uri, from_address: 'courier@example.test', headers: {}, ...extra };
}

function strategy(uri: string, extra: Partial<SmtpConfig> = {}, options: Omit<SmtpStrategyOptions, 'smtp'> = {}): DeliveryStrategy {
  const s = createSmtpStrategy({ smtp: smtpConfig(uri, extra), ...options });
  strategies.push(s);
  return s;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'courier-smtp-test-'));
  tempDirs.push(dir);
  return dir;
}

let counter = 0;
function email(overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  counter += 1;
  return {
    id: `msg-${counter}`,
    type: 'email',
    channel: 'email',
    recipient: 'alice@example.test',
    subject: `Subject ${counter}`,
    body: `Plain body ${counter}`,
    ...overrides,
  };
}

/** mailparser's result; core does not depend on mailparser, so the type comes through the sink. */
type ParsedMail = NonNullable<ReceivedMail['parsed']>;

function parsedOf(mail: ReceivedMail | undefined): ParsedMail {
  if (mail?.parsed === undefined) throw new Error('expected a parsed message');
  return mail.parsed;
}

/** Await a rejection and hand back the DeliveryError (fails the test on anything else). */
async function deliveryError(promise: Promise<unknown>): Promise<DeliveryError> {
  const err = await promise.then(
    () => {
      throw new Error('expected the promise to reject');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

const plainUri = (s: SmtpSink, userinfo = ''): string => `smtp://${userinfo}${s.host}:${s.port}/?disable_starttls=true`;

/** A TCP port with nothing listening on it (bound, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A TCP server that accepts connections and never says a word (no SMTP greeting). */
async function silentServer(): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((done) => server.close(() => done()));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('SMTP strategy: TLS modes', () => {
  it('sends in plain text with disable_starttls=true', async () => {
    const s = await sink({ tls: 'none' });
    const result = await strategy(plainUri(s)).send(email({ subject: 'Plain hello', body: 'plain text body' }));

    expect(result.response).toMatch(/^250 /);
    expect(result.providerMessageId).toMatch(/^<.+@example\.test>$/);
    expect(s.received).toHaveLength(1);
    const mail = s.received[0];
    expect(mail?.secure).toBe(false);
    expect(mail?.envelope).toEqual({ from: 'courier@example.test', to: ['alice@example.test'] });
    expect(parsedOf(mail).subject).toBe('Plain hello');
    expect(parsedOf(mail).text?.trim()).toBe('plain text body');
    expect(parsedOf(mail).messageId).toBe(result.providerMessageId);
  });

  it('upgrades with STARTTLS when required (smtp:// without disable_starttls), skip_ssl_verify accepting the test certificate', async () => {
    const s = await sink({ tls: 'starttls', cert: await makeTestCertificate() });
    await strategy(`smtp://${s.host}:${s.port}/?skip_ssl_verify=true`).send(email());

    expect(s.received).toHaveLength(1);
    expect(s.received[0]?.secure).toBe(true);
  });

  it('fails permanently (SMTP_TLS) when STARTTLS is required but the server does not offer it, sending nothing', async () => {
    const s = await sink({ tls: 'none' });
    const err = await deliveryError(strategy(`smtp://${s.host}:${s.port}/?skip_ssl_verify=true`).send(email()));

    // A server without STARTTLS behind an smtp:// URI is a configuration mismatch; it does not heal by waiting.
    expect(err.code).toBe('SMTP_TLS');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/STARTTLS/);
    expect(err.message).toMatch(/\b5\d\d\b/);
    expect(s.count()).toBe(0);
  });

  it('speaks implicit TLS with smtps://', async () => {
    const s = await sink({ tls: 'implicit' });
    await strategy(`smtps://${s.host}:${s.port}/?skip_ssl_verify=true`).send(email());

    expect(s.received).toHaveLength(1);
    expect(s.received[0]?.secure).toBe(true);
  });

  it("speaks implicit TLS with Kratos's older smtp://...?legacy_ssl=true", async () => {
    const s = await sink({ tls: 'implicit' });
    await strategy(`smtp://${s.host}:${s.port}/?legacy_ssl=true&skip_ssl_verify=true`).send(email());

    expect(s.received[0]?.secure).toBe(true);
  });

  it('sends server_name as the TLS server name (SNI)', async () => {
    const s = await sink({ tls: 'starttls' });
    await strategy(`smtp://${s.host}:${s.port}/?skip_ssl_verify=true&server_name=mail.courier.test`).send(email());

    expect(s.received[0]?.secure).toBe(true);
    expect(s.received[0]?.servername).toBe('mail.courier.test');
  });

  it.each([
    ['STARTTLS', 'starttls', 'smtp'],
    ['implicit TLS', 'implicit', 'smtps'],
  ] as const)('verifies the certificate by default (%s): a self-signed one is a permanent SMTP_TLS error', async (_label, mode, scheme) => {
    const s = await sink({ tls: mode, cert: await makeTestCertificate(['localhost', '127.0.0.1']) });
    const err = await deliveryError(strategy(`${scheme}://${s.host}:${s.port}/`).send(email()));

    expect(err.code).toBe('SMTP_TLS');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/self[- ]signed/i);
    expect(s.count()).toBe(0);
  });

  it('with verification on and the CA trusted, accepts a certificate matching server_name and refuses one that does not', async () => {
    // Node reads extra trusted CAs only at start-up (NODE_EXTRA_CA_CERTS), and the
    // Kratos config has no CA option, so this runs the strategy in a child process.
    const ca = await makeTestCertificateAuthority();
    const serverCert = await makeSignedCertificate(ca, { hostnames: ['mail.courier.test'] });
    const s = await sink({ tls: 'starttls', cert: serverCert });
    const dir = tempDir();
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, ca.cert);

    const script = `
        const { createSmtpStrategy } = await import(${JSON.stringify(SMTP_MODULE)});
        const out = [];
        for (const uri of JSON.parse(process.env.COURIER_TEST_URIS)) {
          const s = createSmtpStrategy({ smtp: { connection_uri: uri, from_address: 'courier@example.test', headers: {} } });
          try {
            await s.send({ id: 'ca-test', type: 'email', channel: 'email', recipient: 'alice@example.test', subject: 'ca', body: 'ca' });
            out.push({ ok: true });
          } catch (e) {
            out.push({ ok: false, code: e.code, retryable: e.retryable, message: e.message });
          }
          await s.close();
        }
        process.stdout.write(JSON.stringify(out));
      `;
    const uris = [`smtp://${s.host}:${s.port}/?server_name=mail.courier.test`, `smtp://${s.host}:${s.port}/?server_name=other.courier.test`, `smtp://${s.host}:${s.port}/`];
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile, COURIER_TEST_URIS: JSON.stringify(uris) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exitCode = await new Promise<number | null>((done) => child.on('close', done));
    expect(exitCode, stderr).toBe(0);

    const results = JSON.parse(stdout) as { ok: boolean; code?: string; retryable?: boolean; message?: string }[];
    expect(results[0]).toEqual({ ok: true });
    expect(results[1]).toMatchObject({ ok: false, code: 'SMTP_TLS', retryable: false });
    expect(results[1]?.message).toMatch(/does not match|altnames/i);
    // Without server_name the client checks the certificate against 127.0.0.1, which it does not name.
    expect(results[2]).toMatchObject({ ok: false, code: 'SMTP_TLS', retryable: false });
    expect(s.received).toHaveLength(1);
    expect(s.received[0]?.secure).toBe(true);
    expect(s.received[0]?.servername).toBe('mail.courier.test');
  }, 30_000);
});

describe('SMTP strategy: authentication', () => {
  const user = 'mailer@corp.test:eu/1';
  const password = 'p@ss:w/rd%20 ü#?';

  it('logs in with a URI-encoded user and password containing @, : and /', async () => {
    const s = await sink({ tls: 'none', auth: { user, pass: password } });
    await strategy(plainUri(s, `${encodeURIComponent(user)}:${encodeURIComponent(password)}@`)).send(email());

    expect(s.received).toHaveLength(1);
    expect(s.received[0]?.user).toBe(user);
  });

  it('logs in after STARTTLS', async () => {
    const s = await sink({ tls: 'starttls', auth: { user, pass: password } });
    await strategy(`smtp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${s.host}:${s.port}/?skip_ssl_verify=true`).send(email());

    expect(s.received[0]?.user).toBe(user);
    expect(s.received[0]?.secure).toBe(true);
  });

  it('fails permanently (SMTP_AUTH) on a wrong password, and the password appears nowhere in the error', async () => {
    const wrong = 'Wr0ng:p@ss/word!';
    const s = await sink({ tls: 'none', auth: { user, pass: password } });
    const err = await deliveryError(strategy(plainUri(s, `${encodeURIComponent(user)}:${encodeURIComponent(wrong)}@`)).send(email()));

    expect(err.code).toBe('SMTP_AUTH');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/535/);
    const everything = [err.message, err.stack ?? '', JSON.stringify(err), inspect(err, { depth: 10, showHidden: true })].join('\n');
    for (const secret of smtpSecretVariants(user, wrong)) expect(everything).not.toContain(secret);
    expect(s.count()).toBe(0);
  });

  it('fails permanently when the server requires AUTH and the URI has no credentials', async () => {
    const s = await sink({ tls: 'none', auth: { user, pass: password } });
    const err = await deliveryError(strategy(plainUri(s)).send(email()));

    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/\b530\b/);
  });
});

describe('SMTP strategy: message shape', () => {
  it('applies from_name, custom headers, local_name and X-Courier-Message-Id', async () => {
    const s = await sink({ tls: 'none' });
    const message = email({ id: 'courier-id-42' });
    await strategy(plainUri(s), {
      from_name: 'Courier Bot',
      from_address: 'bot@courier.test',
      headers: { 'X-Tenant': 'acme', 'X-Campaign': 'welcome' },
      local_name: 'worker-7.courier.test',
    }).send(message);

    const mail = s.received[0];
    const parsed = parsedOf(mail);
    expect(parsed.from?.value).toEqual([{ name: 'Courier Bot', address: 'bot@courier.test' }]);
    expect(parsed.headers.get('x-tenant')).toBe('acme');
    expect(parsed.headers.get('x-campaign')).toBe('welcome');
    expect(parsed.headers.get('x-courier-message-id')).toBe('courier-id-42');
    expect(mail?.envelope.from).toBe('bot@courier.test');
    expect(mail?.clientHostname).toBe('worker-7.courier.test');
  });

  it('does not let a configured header replace X-Courier-Message-Id', async () => {
    const s = await sink({ tls: 'none' });
    await strategy(plainUri(s), { headers: { 'X-Courier-Message-Id': 'spoofed' } }).send(email({ id: 'real-id' }));

    expect(parsedOf(s.received[0]).headers.get('x-courier-message-id')).toBe('real-id');
  });

  it('sends multipart/alternative with text and HTML when html_body is present', async () => {
    const s = await sink({ tls: 'none' });
    await strategy(plainUri(s)).send(email({ subject: 'Verify', body: 'Your code is 123456', html_body: '<p>Your code is <b>123456</b></p>' }));

    const parsed = parsedOf(s.received[0]);
    expect(parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    expect(parsed.text?.trim()).toBe('Your code is 123456');
    expect(parsed.html).toBe('<p>Your code is <b>123456</b></p>');
    expect(parsed.subject).toBe('Verify');
  });

  it('sends text/plain only when there is no html_body', async () => {
    const s = await sink({ tls: 'none' });
    await strategy(plainUri(s)).send(email({ body: 'just text' }));

    const parsed = parsedOf(s.received[0]);
    expect(parsed.headers.get('content-type')).toMatchObject({ value: 'text/plain' });
    expect(parsed.html).toBe(false);
    expect(parsed.text?.trim()).toBe('just text');
  });

  it('delivers lines that are "." or start with "." intact (the transport dot-stuffs the raw message)', async () => {
    const s = await sink({ tls: 'none' });
    const body = 'Your code:\n.\n..123456\n.\nend';
    await strategy(plainUri(s)).send(email({ body, html_body: '<p>code</p>\n.\n' }));

    const parsed = parsedOf(s.received[0]);
    expect(parsed.text).toBe(body);
    expect(parsed.html).toBe('<p>code</p>\n.\n');
  });

  it('keeps configured Cc and Bcc as extra envelope recipients, writing Cc and Reply-To but not Bcc', async () => {
    const s = await sink({ tls: 'none' });
    await strategy(plainUri(s), {
      headers: { Cc: 'copy@example.test', Bcc: 'archive@example.test', 'Reply-To': 'Support <support@example.test>' },
    }).send(email());

    const mail = s.received[0];
    expect(mail?.envelope.to).toEqual(['alice@example.test', 'copy@example.test', 'archive@example.test']);
    expect(parsedOf(mail).cc).toMatchObject({ value: [{ address: 'copy@example.test' }] });
    expect(parsedOf(mail).replyTo?.value).toEqual([{ name: 'Support', address: 'support@example.test' }]);
    expect(mail?.raw).not.toContain('archive@example.test');
  });

  it('refuses a recipient that would inject headers permanently (SMTP_ENVELOPE), sending nothing', async () => {
    const s = await sink({ tls: 'none' });
    const err = await deliveryError(strategy(plainUri(s)).send(email({ recipient: 'alice@example.test\r\nBcc: evil@example.test' })));

    expect(err.code).toBe('SMTP_ENVELOPE');
    expect(err.retryable).toBe(false);
    expect(s.count()).toBe(0);
  });

  it('keeps CR/LF in the subject and configured headers from starting header lines', async () => {
    const s = await sink({ tls: 'none' });
    await strategy(plainUri(s), { from_name: 'Bot\r\nX-Evil: 1', headers: { 'X-Tenant': 'acme\r\nX-Evil: 2' } }).send(email({ subject: 'Hello\r\nBcc: evil@example.test' }));

    const mail = s.received[0];
    const parsed = parsedOf(mail);
    expect(mail?.envelope.to).toEqual(['alice@example.test']);
    expect(parsed.headers.has('x-evil')).toBe(false);
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.subject).toBe('Hello Bcc: evil@example.test');
    expect(parsed.headers.get('x-tenant')).toBe('acme X-Evil: 2');
  });

  it('refuses an SMS permanently (UNSUPPORTED_MESSAGE_TYPE) without contacting the server', async () => {
    const s = await sink({ tls: 'none' });
    const err = await deliveryError(strategy(plainUri(s)).send({ id: 'sms-1', type: 'sms', channel: 'sms', recipient: '+15550100', body: 'code 1' }));

    expect(err.code).toBe('UNSUPPORTED_MESSAGE_TYPE');
    expect(err.retryable).toBe(false);
    expect(s.count()).toBe(0);
  });
});

describe('SMTP strategy: error classification against the server', () => {
  it('treats a 4xx reply to RCPT as retryable SMTP_TRANSIENT, with the reply in the message', async () => {
    const s = await sink({ tls: 'none' });
    s.setResponder(() => ({ code: 451, message: '4.3.0 Greylisted, try again later' }));
    const err = await deliveryError(strategy(plainUri(s)).send(email()));

    expect(err.code).toBe('SMTP_TRANSIENT');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('451');
    expect(err.message).toContain('Greylisted');
  });

  it('treats a 4xx reply after DATA as retryable', async () => {
    const s = await sink({ tls: 'none' });
    s.setResponder(() => ({ code: 452, message: 'Insufficient system storage' }), 'data');
    const err = await deliveryError(strategy(plainUri(s)).send(email()));

    expect(err.code).toBe('SMTP_TRANSIENT');
    expect(err.retryable).toBe(true);
    expect(s.count()).toBe(0);
  });

  it('treats 550 mailbox unavailable as permanent SMTP_PERMANENT', async () => {
    const s = await sink({ tls: 'none' });
    s.setResponder(() => ({ code: 550, message: '5.1.1 Mailbox unavailable' }));
    const err = await deliveryError(strategy(plainUri(s)).send(email()));

    expect(err.code).toBe('SMTP_PERMANENT');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('550');
    expect(err.message).toContain('Mailbox unavailable');
  });

  it('treats a 5xx reply after DATA as permanent', async () => {
    const s = await sink({ tls: 'none' });
    s.setResponder(() => ({ code: 554, message: 'Message rejected as spam' }), 'data');
    const err = await deliveryError(strategy(plainUri(s)).send(email()));

    expect(err.code).toBe('SMTP_PERMANENT');
    expect(err.retryable).toBe(false);
  });

  it('treats a refused connection as retryable SMTP_CONNECTION', async () => {
    const port = await deadPort();
    const err = await deliveryError(strategy(`smtp://127.0.0.1:${port}/?disable_starttls=true`).send(email()));

    expect(err.code).toBe('SMTP_CONNECTION');
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('times out (retryable SMTP_TIMEOUT) on a server that never greets', async () => {
    const port = await silentServer();
    const started = Date.now();
    const err = await deliveryError(strategy(`smtp://127.0.0.1:${port}/?disable_starttls=true`, {}, { timeouts: { greetingMs: 300 } }).send(email()));

    expect(err.code).toBe('SMTP_TIMEOUT');
    expect(err.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("gives up when the attempt's signal aborts (retryable SMTP_ABORTED), long before any timeout", async () => {
    const port = await silentServer();
    const controller = new AbortController();
    const started = Date.now();
    const pending = strategy(`smtp://127.0.0.1:${port}/?disable_starttls=true`).send(email(), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('worker shutting down')), 100);
    const err = await deliveryError(pending);

    expect(err.code).toBe('SMTP_ABORTED');
    expect(err.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('recovers after an outage: fails retryably while the server is down, delivers once it is back', async () => {
    const s = await sink({ tls: 'none' });
    const smtp = strategy(plainUri(s));
    await smtp.send(email());

    await s.stop();
    const err = await deliveryError(smtp.send(email()));
    expect(err.retryable).toBe(true);

    await s.start();
    await smtp.send(email({ subject: 'after outage' }));
    expect(parsedOf(s.received.at(-1)).subject).toBe('after outage');
    expect(s.count()).toBe(2);
  });
});

describe('SMTP strategy: client certificates', () => {
  it('presents the certificate and key read from client_cert_path/client_key_path', async () => {
    const ca = await makeTestCertificateAuthority();
    const client = await makeSignedCertificate(ca, { usage: 'client', commonName: 'courier-worker' });
    const dir = tempDir();
    writeFileSync(join(dir, 'client.crt'), client.cert);
    writeFileSync(join(dir, 'client.key'), client.key);
    const s = await sink({ tls: 'starttls', requestClientCert: true, clientCa: ca.cert });

    await strategy(`smtp://${s.host}:${s.port}/?skip_ssl_verify=true`, {
      client_cert_path: join(dir, 'client.crt'),
      client_key_path: join(dir, 'client.key'),
    }).send(email());

    expect(s.received[0]?.peerCertificate).toMatchObject({ subjectCN: 'courier-worker', authorized: true });
  });

  it('presents no certificate when none is configured', async () => {
    const s = await sink({ tls: 'starttls', requestClientCert: true });
    await strategy(`smtp://${s.host}:${s.port}/?skip_ssl_verify=true`).send(email());

    expect(s.received[0]?.secure).toBe(true);
    expect(s.received[0]?.peerCertificate).toBeUndefined();
  });

  it('fails at creation with a ConfigError naming the key when a certificate file is missing', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'client.key'), 'not used');
    const missing = join(dir, 'nope.crt');
    let caught: unknown;
    try {
      createSmtpStrategy({
        smtp: smtpConfig('smtp://127.0.0.1:25/', { client_cert_path: missing, client_key_path: join(dir, 'client.key') }),
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const issues = (caught as ConfigError).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('courier.smtp.client_cert_path');
    expect(issues[0]?.message).toContain(missing);
    expect(issues[0]?.message).toContain('ENOENT');
  });
});

describe('SMTP strategy: configuration errors', () => {
  it('requires a connection URI', () => {
    expect(() => createSmtpStrategy({ smtp: { from_address: 'a@example.test', headers: {} } })).toThrow(ConfigError);
  });

  it('rejects an invalid configured header name at creation, naming it', () => {
    let caught: unknown;
    try {
      createSmtpStrategy({ smtp: smtpConfig('smtp://127.0.0.1:25/', { headers: { 'X-Ok': 'a', 'X Bad': 'b' } }) });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).issues[0]?.path).toBe('courier.smtp.headers.X Bad');
  });

  it('rejects a bad URI without quoting it (it may hold a password)', () => {
    let caught: unknown;
    try {
      createSmtpStrategy({ smtp: smtpConfig('imap://user:hunter2secret@127.0.0.1/') });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).issues[0]?.path).toBe('courier.smtp.connection_uri');
    expect((caught as ConfigError).message).not.toContain('hunter2secret');
  });
});

describe('SMTP strategy: verify() and pooling', () => {
  it('verify() resolves against a live server (checking credentials) and rejects retryably against a dead port', async () => {
    const s = await sink({ tls: 'none', auth: { user: 'u', pass: 'right-password' } });
    await expect(strategy(plainUri(s, 'u:right-password@')).verify?.()).resolves.toBeUndefined();

    const wrong = await deliveryError(strategy(plainUri(s, 'u:wrong-password@')).verify?.() ?? Promise.resolve());
    expect(wrong.code).toBe('SMTP_AUTH');
    expect(wrong.message).not.toContain('wrong-password');

    const port = await deadPort();
    const dead = await deliveryError(strategy(`smtp://127.0.0.1:${port}/?disable_starttls=true`).verify?.() ?? Promise.resolve());
    expect(dead.code).toBe('SMTP_CONNECTION');
    expect(dead.retryable).toBe(true);
    expect(s.count()).toBe(0);
  });

  it('delivers 20 concurrent messages over at most maxConnections pooled connections', async () => {
    const s = await sink({ tls: 'none' });
    const smtp = strategy(plainUri(s), {}, { pool: { maxConnections: 3 } });
    const messages = Array.from({ length: 20 }, (_, i) => email({ id: `pool-${i}`, recipient: `user${i}@example.test` }));
    const results = await Promise.all(messages.map(async (m) => smtp.send(m)));

    expect(new Set(results.map((r) => r.providerMessageId)).size).toBe(20);
    const received = await s.waitFor(20);
    expect(received.map((m) => parsedOf(m).headers.get('x-courier-message-id')).sort()).toEqual(messages.map((m) => m.id).sort());
    const connections = new Set(received.map((m) => m.sessionId));
    expect(connections.size).toBeGreaterThanOrEqual(1);
    expect(connections.size).toBeLessThanOrEqual(3);
  });

  it('opens a new connection after maxMessages on one', async () => {
    const s = await sink({ tls: 'none' });
    const smtp = strategy(plainUri(s), {}, { pool: { maxConnections: 1, maxMessages: 2 } });
    for (let i = 0; i < 4; i += 1) await smtp.send(email());

    expect(new Set(s.received.map((m) => m.sessionId)).size).toBe(2);
  });

  it('takes the pool from courier.smtp.pool (max_connections, max_messages)', async () => {
    const s = await sink({ tls: 'none' });
    const smtp = strategy(plainUri(s), { pool: { max_connections: 1, max_messages: 3 } });
    await Promise.all(Array.from({ length: 6 }, (_, i) => smtp.send(email({ id: `cfg-pool-${i}`, recipient: `u${i}@example.test` }))));
    // One connection at a time, replaced after 3 messages.
    expect(new Set(s.received.map((m) => m.sessionId)).size).toBe(2);
  });
});

describe('classifySmtpError', () => {
  it('scrubs the password and its AUTH tokens from message and cause', () => {
    const user = 'ops@example.test';
    const password = 's3cr3t:/@pw';
    const plainToken = Buffer.from(`\u0000${user}\u0000${password}`).toString('base64');
    const nodemailerLike = Object.assign(new Error(`Invalid login: 535 5.7.8 rejected ${plainToken} (pw ${password})`), {
      code: 'EAUTH',
      responseCode: 535,
      response: `535 5.7.8 rejected ${plainToken} (pw ${password})`,
      command: 'AUTH PLAIN',
    });

    const err = classifySmtpError(nodemailerLike, { secrets: smtpSecretVariants(user, password) });

    expect(err.code).toBe('SMTP_AUTH');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('535');
    expect(err.message).toContain('[redacted]');
    const everything = [err.message, err.stack ?? '', JSON.stringify(err), inspect(err, { depth: 10, showHidden: true })].join('\n');
    expect(everything).not.toContain(password);
    expect(everything).not.toContain(plainToken);
  });

  it('keeps the original error as cause when it holds no secret', () => {
    const original = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:25'), { code: 'ESOCKET', originalCode: 'ECONNREFUSED' });
    const err = classifySmtpError(original, { secrets: smtpSecretVariants('u', 'pw-not-in-text') });

    expect(err.cause).toBe(original);
    expect(err.code).toBe('SMTP_CONNECTION');
    expect(err.retryable).toBe(true);
  });

  it.each([
    [{ code: 'EENVELOPE', responseCode: 450, response: '450 mailbox busy' }, 'SMTP_TRANSIENT', true],
    [{ code: 'EENVELOPE', responseCode: 553, response: '553 bad address' }, 'SMTP_PERMANENT', false],
    [{ code: 'EENVELOPE' }, 'SMTP_ENVELOPE', false],
    [{ code: 'EAUTH', responseCode: 454, response: '454 4.7.0 Temporary authentication failure' }, 'SMTP_TRANSIENT', true],
    [{ code: 'ETLS', responseCode: 454, response: '454 TLS not available due to temporary reason' }, 'SMTP_TRANSIENT', true],
    [{ code: 'ETLS', message: 'Connection closed unexpectedly' }, 'SMTP_CONNECTION', true],
    [{ code: 'EPROTOCOL', responseCode: 503, response: '503 Bad sequence of commands' }, 'SMTP_TRANSIENT', true],
    [{ code: 'EDNS', message: 'getaddrinfo ENOTFOUND smtp.invalid' }, 'SMTP_CONNECTION', true],
    [{ code: 'ECONNECTION', message: 'Connection closed unexpectedly' }, 'SMTP_CONNECTION', true],
    [{ code: 'ESOCKET', originalCode: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Hostname/IP does not match certificate's altnames" }, 'SMTP_TLS', false],
  ])('classifies %o as %s (retryable %s)', (fields, code, retryable) => {
    const err = classifySmtpError(Object.assign(new Error('message' in fields ? fields.message : 'failed'), fields));
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
  });

  it('treats a non-Error throw as a retryable connection problem', () => {
    const err = classifySmtpError('boom');
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('boom');
  });
});

describe('classifySmtpError redaction order', () => {
  it('removes a quoted link whole even when its code is also a secret (longest first)', () => {
    const link = 'https://id.example.com/recovery?flow=f1&token=T0K3N-9876';
    const err = Object.assign(new Error('Message rejected'), {
      code: 'EMESSAGE',
      responseCode: 554,
      response: `554 5.7.1 content rejected: "${link}"`,
    });
    const classified = classifySmtpError(err, { secrets: ['T0K3N-9876', link] });
    expect(classified.message).toContain('[redacted]');
    expect(classified.message).not.toContain('flow=f1');
    expect(classified.message).not.toContain('T0K3N');
  });
});
