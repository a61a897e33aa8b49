/**
 * Secrets never leak: a full run (in-process producer, worker child process, an
 * SMTP server requiring AUTH with the password in the connection URI, SMS over
 * HTTP with basic auth plus a token header and a second channel with an API-key
 * header, templated messages carrying one-time codes, providers that fail and echo
 * the request back, SMTP 4xx and 5xx replies, retries), with ALL output captured:
 * producer logs, worker stdout and stderr, every API response (lists, gets, errors,
 * headers), worker /metrics and health, and the Bull Board API (queue lists per
 * status, each job, each job's logs: the job data as the dashboard shows it).
 * Every secret is searched for in every capture, raw and in the encodings it was
 * configured or sent in.
 *
 * The one deliberate exception: `GET /messages/{id}` returns the message as
 * stored, including `template_data` (one-time codes, links) and a raw message's
 * `body`, to a key with the `admin` scope (a plain key has every scope). Those
 * fields are taken out of those responses before the search, and checked to hold
 * exactly what was sent, so the exception stays that narrow: lists carry no
 * content, the same read with a `read`-only key is searched whole, Kratos's
 * `GET /admin/courier/messages/{id}` shows `<redacted-unless-dev-mode>`, and
 * everything else in those responses (dispatch errors included) is searched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCourier, startHttpSink, startSmtpSink, type CourierProcess, type HttpSink, type SmtpSink } from '@courier/testkit';
import { createApiClient, type ApiClient } from './support/api-client.js';
import { startProducer, type TestProducer } from './support/producer.js';

const API_KEY = 'sec-api-key-Q8v2Lm4Tz9Hc';
const OTHER_API_KEY = 'sec-other-key-P3n8Xw1Rb6';
const READ_ONLY_KEY = 'sec-read-only-key-T5c1Vn7Qe2';
const SMTP_USER = 'courier-mailer';
const SMTP_PASSWORD = 'Sm7p!P@ss:w0rd/Zq';
const SMS_USER = 'sms-account';
const SMS_PASSWORD = 'SmsBasic-Pw-4Kx9Tr';
const SMS_TOKEN = 'SmsToken-3Jf6Yv1Lc4';
const SMS_API_KEY = 'SmsApiKey-7Hd2Wq5Ne8';
const RECOVERY_TOKEN = 'rtok-Jm3Q8sW2xV7nL5';
const RECOVERY_URL = `https://app.example.com/self-service/recovery?flow=1&token=${RECOVERY_TOKEN}`;

/** One-time codes, one per message, unlike anything else in the output (ids are hex, times digits). */
const CODES = {
  ok: 'RC4K7Q91',
  retry: 'VC8M2X63',
  bounce: 'BC3N6W84',
  sms: 'SL7R2D59',
  smsRejected: 'SR9F4H16',
  smsRetry: 'SV2P8K73',
  smsBackup: 'SB6Y3G48',
  raw: 'RW4Z7C15',
  batch1: 'B1X5L8Q2',
  batch2: 'B2V9M4T7',
  later: 'LT8J1S56',
} as const;

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** Every secret, in every form it was configured or sent in. */
const SECRETS: Record<string, readonly string[]> = {
  'API key': [API_KEY, b64(`admin:${API_KEY}`)],
  'second API key': [OTHER_API_KEY],
  'read-only API key': [READ_ONLY_KEY],
  'SMTP password': [SMTP_PASSWORD, encodeURIComponent(SMTP_PASSWORD)],
  'SMS basic-auth password': [SMS_PASSWORD, b64(`${SMS_USER}:${SMS_PASSWORD}`)],
  'SMS token header': [SMS_TOKEN],
  'SMS API key': [SMS_API_KEY],
  'recovery link token': [RECOVERY_TOKEN],
  ...Object.fromEntries(Object.entries(CODES).map(([name, code]) => [`one-time code ${name}`, [code]])),
};

const SMS_BODY = `function(ctx) {
  to: ctx.recipient,
  text: ctx.body,
  code: if "template_data" in ctx && "login_code" in ctx.template_data then ctx.template_data.login_code else null,
}`;

let smtp: SmtpSink;
let http: HttpSink;
let p: TestProducer;
let api: ApiClient;
let worker: CourierProcess | undefined;

/** Everything the run printed or answered, by source. */
const captured: { source: string; text: string }[] = [];
function capture(source: string, value: unknown): void {
  captured.push({ source, text: typeof value === 'string' ? value : JSON.stringify(value) });
}

/** An API call whose status, headers and body are all captured. */
async function call(method: string, path: string, options: Parameters<ApiClient['request']>[2] = {}) {
  const res = await api.request(method, path, options);
  capture(`API ${method} ${path} -> ${res.status}`, { headers: Object.fromEntries(res.headers), body: res.body });
  return res;
}

/**
 * `GET /messages/{id}`: the deliberate exception. The response is captured without
 * `template_data` and `body`, which are returned whole to an authenticated caller.
 */
async function getOwn(id: string) {
  const res = await api.request('GET', `/messages/${id}`);
  expect(res.status).toBe(200);
  const { template_data: _data, body: _body, ...rest } = res.body as Record<string, unknown>;
  capture(`API GET /messages/${id} (template_data and body left out)`, { headers: Object.fromEntries(res.headers), body: rest });
  return res.body;
}

async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

interface Sent {
  readonly id: string;
  readonly final: 'sent' | 'abandoned' | 'queued';
  readonly templateData?: Record<string, unknown>;
  readonly body?: string;
}
const sent: Sent[] = [];

async function send(body: Record<string, unknown>, final: Sent['final'], headers: Record<string, string> = {}): Promise<void> {
  const res = await call('POST', '/messages', { body, headers });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  sent.push({
    id: res.body.id as string,
    final,
    ...(body['template_data'] === undefined ? {} : { templateData: body['template_data'] as Record<string, unknown> }),
    ...(typeof body['body'] === 'string' ? { body: body['body'] } : {}),
  });
}

beforeAll(async () => {
  smtp = await startSmtpSink({ tls: 'none', auth: { user: SMTP_USER, pass: SMTP_PASSWORD } });
  let greylisted = false;
  // A content filter that quotes what it objects to, and greylisting that passes on the second try.
  smtp.setResponder((m) => {
    if (m.to.includes('bounce@example.com')) return { code: 554, message: `5.7.1 Message rejected: content "${CODES.bounce}" matched a DLP rule` };
    if (m.to.includes('retry@example.com') && !greylisted) {
      greylisted = true;
      return { code: 451, message: '4.7.1 Greylisted, please try again later' };
    }
    return undefined;
  }, 'data');

  http = await startHttpSink();
  let unavailableOnce = false;
  let n = 0;
  // A provider that echoes the whole request (credentials first) when it fails.
  http.setResponder((req) => {
    const echo = JSON.stringify({
      error: 'rejected',
      authorization: req.headers['authorization'],
      token: req.headers['x-provider-token'],
      api_key: req.headers['x-api-key'],
      request: req.body,
    });
    const to = (JSON.parse(req.body) as { to?: string }).to;
    if (req.url === '/backup') return { status: 422, headers: { 'content-type': 'application/json' }, body: echo };
    if (to === '+15550001') return { status: 400, headers: { 'content-type': 'application/json' }, body: echo };
    if (to === '+15550002' && !unavailableOnce) {
      unavailableOnce = true;
      return { status: 503, headers: { 'content-type': 'application/json' }, body: echo };
    }
    n++;
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: `prov-${n}` }) };
  });

  const smsBody = `base64://${b64(SMS_BODY)}`;
  p = await startProducer({
    courier: {
      smtp: {
        connection_uri: `smtp://${SMTP_USER}:${encodeURIComponent(SMTP_PASSWORD)}@127.0.0.1:${smtp.port}/?disable_starttls=true`,
        from_address: 'accounts@example.com',
      },
      channels: [
        {
          id: 'sms',
          type: 'http',
          request_config: {
            url: `${http.url}/sms`,
            body: smsBody,
            headers: { 'X-Provider-Token': SMS_TOKEN },
            auth: { type: 'basic_auth', config: { user: SMS_USER, password: SMS_PASSWORD } },
          },
        },
        {
          id: 'sms-backup',
          type: 'http',
          request_config: {
            url: `${http.url}/backup`,
            body: smsBody,
            auth: { type: 'api_key', config: { name: 'X-Api-Key', value: SMS_API_KEY, in: 'header' } },
          },
        },
      ],
      message_retries: 2,
    },
    producer: { api_keys: [API_KEY, OTHER_API_KEY, { key: READ_ONLY_KEY, scopes: ['read'] }] },
    worker: { host: '127.0.0.1', port: 0, backoff: { base_ms: 100, max_ms: 300 } },
    // The most the worker ever logs.
    log: { level: 'trace' },
  });
  api = await createApiClient(p.url, API_KEY);
  worker = await spawnCourier('worker', p.configPath);
}, 90_000);

afterAll(async () => {
  if (worker !== undefined && worker.child.exitCode === null && worker.child.signalCode === null) {
    worker.kill('SIGKILL');
    await worker.exited;
  }
  await p?.close();
  await smtp?.close();
  await http?.close();
});

describe('a full run with secrets everywhere', () => {
  it('delivers, fails and retries with the real credentials and codes', async () => {
    await send({ recipient: 'ok@example.com', template_type: 'recovery_code_valid', template_data: { recovery_code: CODES.ok, expires_in_minutes: 15 } }, 'sent');
    await send({ recipient: 'retry@example.com', template_type: 'verification_code_valid', template_data: { verification_code: CODES.retry } }, 'sent');
    await send({ recipient: 'bounce@example.com', template_type: 'login_code_valid', template_data: { login_code: CODES.bounce } }, 'abandoned');
    await send({ recipient: 'link@example.com', template_type: 'recovery_valid', template_data: { recovery_url: RECOVERY_URL } }, 'sent');
    await send({ type: 'sms', recipient: '+15550100', template_type: 'login_code_valid', template_data: { login_code: CODES.sms } }, 'sent', {
      'idempotency-key': 'sms-login-1',
    });
    await send({ type: 'sms', recipient: '+15550001', template_type: 'registration_code_valid', template_data: { registration_code: CODES.smsRejected } }, 'abandoned');
    await send({ type: 'sms', recipient: '+15550002', template_type: 'verification_code_valid', template_data: { verification_code: CODES.smsRetry } }, 'sent');
    await send({ type: 'sms', channel: 'sms-backup', recipient: '+15550003', template_type: 'login_code_valid', template_data: { login_code: CODES.smsBackup } }, 'abandoned');
    await send({ type: 'sms', recipient: '+15550100', body: `Your code is ${CODES.raw}` }, 'sent');
    await send({ recipient: 'later@example.com', template_type: 'login_code_valid', template_data: { login_code: CODES.later }, delay_ms: 3_600_000 }, 'queued');
    const batchBody = {
      messages: [
        { recipient: 'b1@example.com', template_type: 'registration_code_valid', template_data: { registration_code: CODES.batch1 } },
        { type: 'sms', recipient: '+15550104', template_type: 'login_code_valid', template_data: { login_code: CODES.batch2 } },
      ],
    };
    const batch = await call('POST', '/messages/batch', { body: batchBody, headers: { 'idempotency-key': 'batch-1' } });
    expect(batch.status).toBe(202);
    const [b1, b2] = batch.body.messages as { id: string }[];
    sent.push({ id: b1!.id, final: 'sent', templateData: { registration_code: CODES.batch1 } });
    sent.push({ id: b2!.id, final: 'sent', templateData: { login_code: CODES.batch2 } });
    // A replayed idempotent request, a validation error about a body holding a code,
    // and requests that fail authentication with keys close to a real one.
    const replay = await call('POST', '/messages/batch', { body: batchBody, headers: { 'idempotency-key': 'batch-1' } });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(batch.body);
    expect((await call('GET', '/messages', { auth: `Bearer ${API_KEY}x` })).status).toBe(401);
    expect((await call('GET', '/messages', { auth: `Basic ${b64(`admin:${OTHER_API_KEY}-`)}` })).status).toBe(401);
    expect((await call('POST', '/messages', { body: { recipient: 'bad', template_data: { login_code: CODES.sms } } })).status).toBe(400);

    for (const m of sent) {
      await until(
        `message ${m.id} to be ${m.final}`,
        () => getOwn(m.id),
        (r) => r['status'] === m.final,
      );
    }
    // The secrets really were used: mail went out with codes, over AUTH; providers saw the credentials.
    const mails = smtp.received;
    expect(mails.map((m) => m.user)).toContain(SMTP_USER);
    expect(mails.find((m) => m.envelope.to.includes('ok@example.com'))?.parsed?.text).toContain(CODES.ok);
    expect(mails.find((m) => m.envelope.to.includes('link@example.com'))?.parsed?.text).toContain(RECOVERY_TOKEN);
    expect(mails.find((m) => m.envelope.to.includes('retry@example.com'))?.parsed?.text).toContain(CODES.retry);
    const sms = http.requests.filter((r) => r.url === '/sms');
    expect(sms.every((r) => r.headers['authorization'] === `Basic ${b64(`${SMS_USER}:${SMS_PASSWORD}`)}` && r.headers['x-provider-token'] === SMS_TOKEN)).toBe(true);
    expect(sms.some((r) => r.body.includes(CODES.sms))).toBe(true);
    expect(http.requests.find((r) => r.url === '/backup')?.headers['x-api-key']).toBe(SMS_API_KEY);
    // Retries happened, and permanent failures were not retried.
    const byId = async (id: string) => (await getOwn(id)) as { send_count: number; dispatches: { status: string; error?: { code: string } }[] };
    expect((await byId(sent[1]!.id)).send_count).toBe(2);
    expect((await byId(sent[6]!.id)).dispatches.map((d) => d.status)).toEqual(['failed', 'success']);
    expect((await byId(sent[2]!.id)).dispatches).toMatchObject([{ status: 'failed', error: { code: expect.stringMatching(/^SMTP/) } }]);
    expect((await byId(sent[5]!.id)).dispatches).toMatchObject([{ status: 'failed', error: { code: 'HTTP_STATUS_PERMANENT' } }]);
  }, 120_000);

  it('captures every list, get, Kratos view, dashboard view, metric and health answer', async () => {
    for (const query of ['', '?page_size=3', '?status=sent', '?status=abandoned', '?status=queued', '?recipient=%2B15550100', '?template_type=login_code_valid']) {
      let path: string | undefined = `/messages${query}`;
      // Follow Link headers, so page tokens are searched too.
      while (path !== undefined) {
        const res = await call('GET', path);
        expect(res.status).toBe(200);
        const next = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
        path = next;
      }
    }
    for (const query of ['', '?status=sent', '?status=abandoned', '?status=queued', '?page_size=2']) {
      expect((await call('GET', `/admin/courier/messages${query}`)).status).toBe(200);
    }

    // GET by id, with the deliberate exception taken out and checked to be exactly what was sent.
    for (const m of sent) {
      const own = await getOwn(m.id);
      expect(own['template_data']).toEqual(m.templateData);
      expect(own['body']).toEqual(m.body);
      // Without the admin scope the same read is searched whole.
      expect((await call('GET', `/messages/${m.id}`, { auth: `Bearer ${READ_ONLY_KEY}` })).status).toBe(200);
      const kratos = await call('GET', `/admin/courier/messages/${m.id}`);
      expect(kratos.body).toMatchObject({ subject: '<redacted-unless-dev-mode>', body: '<redacted-unless-dev-mode>' });
    }

    // Bull Board, as the dashboard's browser code calls it (HTTP Basic with the key as password).
    const dashboard = { authorization: `Basic ${b64(`admin:${API_KEY}`)}` };
    const jobIds = new Set<string>();
    for (const status of ['latest', 'active', 'waiting', 'prioritized', 'delayed', 'completed', 'failed', 'paused', 'waiting-children']) {
      const res = await fetch(`${p.url}/admin/queues/api/queues?activeQueue=${p.config.redis.queue_name}&status=${status}&page=1`, { headers: dashboard });
      const text = await res.text();
      expect(res.status, text.slice(0, 300)).toBe(200);
      capture(`dashboard queues status=${status}`, text);
      const parsed = JSON.parse(text) as { queues: { jobs: { id: string }[] }[] };
      for (const q of parsed.queues) for (const j of q.jobs) jobIds.add(j.id);
    }
    for (const m of sent) expect(jobIds, `job ${m.id} is on the dashboard`).toContain(m.id);
    for (const id of jobIds) {
      for (const suffix of ['', '/logs']) {
        const res = await fetch(`${p.url}/admin/queues/api/queues/${p.config.redis.queue_name}/${id}${suffix}`, { headers: dashboard });
        expect(res.status).toBe(200);
        capture(`dashboard job ${id}${suffix}`, await res.text());
      }
    }
    const page = await fetch(`${p.url}/admin/queues`, { headers: dashboard });
    capture('dashboard page', await page.text());

    const healthPort = worker!.ready['health_port'] as number;
    for (const path of ['/metrics', '/health/ready', '/health/alive']) {
      const res = await fetch(`http://127.0.0.1:${healthPort}${path}`);
      capture(`worker ${path}`, await res.text());
    }
    const metrics = captured.find((c) => c.source === 'worker /metrics')?.text ?? '';
    expect(metrics).toContain('courier_messages_total');
    capture('producer /health/ready', await (await fetch(`${p.url}/health/ready`)).text());

    // Stop the worker so its last lines are flushed, then take all of its output.
    worker!.kill('SIGTERM');
    expect((await worker!.exited).code).toBe(0);
    capture('worker stdout', worker!.lines);
    capture('worker stderr', worker!.stderr.join('\n'));
    capture('producer logs', p.logs.join(''));
    // The captures are real: the worker logged every attempt, the producer every request.
    expect(worker!.lines.filter((l) => l['msg'] === 'message sent').length).toBeGreaterThanOrEqual(8);
    expect(worker!.lines.some((l) => typeof l['msg'] === 'string' && l['msg'].startsWith('delivery failed'))).toBe(true);
    expect(p.logs.length).toBeGreaterThan(50);
  }, 120_000);

  it('finds no secret in any of it', () => {
    expect(captured.length).toBeGreaterThan(100);
    const leaks: string[] = [];
    for (const { source, text } of captured) {
      for (const [name, variants] of Object.entries(SECRETS)) {
        const found = variants.find((v) => text.includes(v));
        if (found !== undefined) {
          const at = text.indexOf(found);
          leaks.push(`${name} in ${source}: ...${text.slice(Math.max(0, at - 120), at + found.length + 40)}...`);
        }
      }
    }
    expect(leaks).toEqual([]);
  });
});
