/**
 * A Kratos user's config, unchanged: the producer and the worker started on a file
 * shaped like Kratos's quickstart `kratos.yml` (text logs, every Kratos section) or
 * like its e2e profile (trace logs), with only what a deployment sets from outside
 * given by environment (the SMTP URI pointing at this test's SMTPS server, Redis, an
 * API key, ports), deliver a templated message over implicit TLS with the URI's
 * credentials. With `COURIER_TEMPLATE_OVERRIDE_PATH` pointing at a Kratos-style i18n
 * folder (Go templates, `define`d languages, sprig helpers), the message sent is the
 * one Go renders from those files.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix, spawnCourier, startSmtpSink, uniquePrefix, type CourierProcess, type SmtpSink } from '@courier/testkit';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'kratos');
const KEY = 'kratos-config-key-0123456789';

interface Started {
  readonly smtp: SmtpSink;
  readonly producer: CourierProcess;
  readonly worker: CourierProcess;
  readonly api: string;
  readonly prefix: string;
}

let running: Started | undefined;

afterEach(async () => {
  if (running === undefined) return;
  for (const p of [running.producer, running.worker]) {
    p.kill('SIGTERM');
    await p.exited;
  }
  await running.smtp.close();
  const redis = new Redis(process.env['REDIS_URL']!);
  await deleteKeysWithPrefix(redis, running.prefix);
  redis.disconnect();
  running = undefined;
});

/** Start both apps on `file`, overriding only what a deployment sets by environment. */
async function start(file: string, extraEnv: Record<string, string> = {}): Promise<Started> {
  // Kratos's `smtps://test:test@...?skip_ssl_verify=true`: implicit TLS, a self-signed
  // certificate, AUTH with the URI's credentials.
  const smtp = await startSmtpSink({ tls: 'implicit', auth: { user: 'test', pass: 'test' } });
  const prefix = `{${uniquePrefix('kyml')}}`;
  const env = {
    COURIER_SMTP_CONNECTION_URI: `smtps://test:test@127.0.0.1:${smtp.port}/?skip_ssl_verify=true`,
    REDIS_URL: process.env['REDIS_URL']!,
    REDIS_PREFIX: prefix,
    PRODUCER_API_KEYS: KEY,
    PRODUCER_PORT: '0',
    WORKER_PORT: '0',
    ...extraEnv,
  };
  const path = join(FIXTURES, file);
  const [producer, worker] = await Promise.all([spawnCourier('producer', path, env), spawnCourier('worker', path, env)]);
  running = { smtp, producer, worker, api: `http://127.0.0.1:${String(producer.ready['port'])}`, prefix };
  return running;
}

async function sendRecoveryCode(api: string, language: string, name?: string): Promise<string> {
  const res = await fetch(`${api}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'email',
      recipient: 'ann@example.org',
      template_type: 'recovery_code_valid',
      template_data: {
        recovery_code: '4719ab',
        expires_in_minutes: 15,
        request_url: 'https://auth.example.org/self-service/recovery?flow=1',
        identity: { id: 'i-1', traits: { language, ...(name === undefined ? {} : { name }) } },
      },
    }),
  });
  const body = (await res.json()) as { id?: string };
  expect(res.status, JSON.stringify(body)).toBe(202);
  return body.id!;
}

describe("a Kratos user's kratos.yml, unchanged", () => {
  it('starts on a quickstart-shaped kratos.yml, logs as text, and delivers over SMTPS with the URI credentials', async () => {
    const { smtp, producer, worker, api } = await start('quickstart.kratos.yml');
    await sendRecoveryCode(api, 'en', 'ann');
    const [mail] = await smtp.waitFor(1, 20_000);
    expect(mail?.envelope.to).toEqual(['ann@example.org']);
    expect(mail?.secure).toBe(true);
    // The built-in recovery-code template carries the code in the subject and the body.
    expect(mail?.parsed?.subject).toContain('4719ab');
    expect(mail?.parsed?.text).toContain('4719ab');
    expect(mail?.user).toBe('test');
    // `log.format: text`: Kratos-style key=value lines, not JSON.
    for (const app of [producer, worker]) {
      const raw = app.lines.map((l) => (typeof l['raw'] === 'string' ? l['raw'] : ''));
      expect(raw.length).toBeGreaterThan(0);
      expect(raw.every((line) => /^time=\S+ level=\w+ msg=/.test(line))).toBe(true);
    }
  });

  it('starts on an e2e-profile-shaped kratos.yml and renders a Kratos-style i18n Go template folder as Go does', async () => {
    const { smtp, api } = await start('e2e.kratos.yml', { COURIER_TEMPLATE_OVERRIDE_PATH: join(FIXTURES, 'i18n') });
    await sendRecoveryCode(api, 'de');
    await sendRecoveryCode(api, 'en', 'ann lee');
    const mails = await smtp.waitFor(2, 20_000);
    const byLanguage = (prefix: string) => mails.find((m) => m.parsed?.subject?.startsWith(prefix));
    const de = byLanguage('Ihr');
    const en = byLanguage('Your');
    // What Go's text/template and html/template (with sprig) render from the same files and data.
    expect(de?.parsed?.subject).toBe('Ihr Wiederherstellungscode: 4719ab');
    expect(de?.parsed?.text?.trimEnd()).toBe('Hallo Zusammen,\n\ngeben Sie 4719AB ein. Der Code läuft in 15 Minuten ab.');
    expect(de?.parsed?.html).toBe(
      '<p>Hallo Zusammen, geben Sie <b>4719AB</b> ein.</p>\n' + '<p><a href="https://auth.example.org/self-service/recovery?flow=1">Zurück zu auth.example.org</a></p>',
    );
    expect(en?.parsed?.subject).toBe('Your recovery code: 4719ab');
    expect(en?.parsed?.text?.trimEnd()).toBe('Hello Ann Lee,\n\nenter 4719AB to recover your account. It expires in 15 minutes.');
    expect(en?.parsed?.html).toContain('<p>Hello Ann Lee, enter <b>4719AB</b>.</p>');
  });
});
