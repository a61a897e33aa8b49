/**
 * The producer's API over real HTTP, with real Redis, every response checked
 * against the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '@courier/testkit';
import { createApiClient, type ApiClient } from './support/api-client.js';
import { startProducer, type TestProducer } from './support/producer.js';

const KEY = 'test-key-0123456789abcdef';
let p: TestProducer;
let api: ApiClient;

beforeAll(async () => {
  p = await startProducer({
    courier: {
      channels: [{ id: 'sms', type: 'http', request_config: { url: 'http://127.0.0.1:9/sms' } }],
    },
    producer: { api_keys: [KEY, 'second-key-0123456789abcdef'], body_limit_bytes: 512 * 1024 },
  });
  api = await createApiClient(p.url, KEY);
});

afterAll(async () => {
  await p.close();
});

const email = (n: number | string, extra: Record<string, unknown> = {}) => ({
  recipient: `user${n}@example.com`,
  template_type: 'recovery_code_valid',
  template_data: { recovery_code: `code-${n}` },
  ...extra,
});

describe('authentication', () => {
  it('answers 401 without a key, with a wrong key, and with a malformed header', async () => {
    for (const auth of [null, 'Bearer wrong-key-0123456789abcdef', 'Token ' + KEY, `Bearer ${KEY}x`]) {
      const res = await api.request('GET', '/messages', { auth });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: { code: 'unauthorized' } });
    }
  });

  it('accepts any configured key as Bearer, and refuses HTTP Basic (taken by the dashboard only)', async () => {
    expect((await api.request('GET', '/messages', { auth: 'Bearer second-key-0123456789abcdef' })).status).toBe(200);
    const basic = `Basic ${Buffer.from(`anyone:${KEY}`).toString('base64')}`;
    expect((await api.request('GET', '/messages', { auth: basic })).status).toBe(401);
  });

  it('leaves health open and guards the OpenAPI document', async () => {
    expect((await api.request('GET', '/health/alive', { auth: null })).status).toBe(200);
    expect((await api.request('GET', '/health/ready', { auth: null })).body).toEqual({ status: 'ok' });
    expect((await fetch(`${p.url}/openapi.json`)).status).toBe(401);
  });
});

describe('POST /messages', () => {
  it('accepts a templated e-mail with 202, a Location, and records it queued', async () => {
    const res = await api.request('POST', '/messages', { body: email(1) });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: expect.any(String), status: 'queued' });
    expect(res.headers.get('location')).toBe(`/messages/${res.body.id}`);
    const got = await api.request('GET', `/messages/${res.body.id}`);
    expect(got.body).toMatchObject({ status: 'queued', send_count: 0, dispatches: [], recipient: 'user1@example.com', template_data: { recovery_code: 'code-1' } });
    // The job exists in BullMQ under the message id.
    const counts = await p.redis.exists(`${p.config.redis.prefix}:${p.config.redis.queue_name}:${res.body.id}`);
    expect(counts).toBe(1);
  });

  it('accepts raw e-mail and SMS, and schedules with send_at, delay_ms and priority', async () => {
    const raw = await api.request('POST', '/messages', { body: { recipient: 'raw@example.com', subject: 'Hi', body: 'plain', html_body: '<p>html</p>' } });
    expect(raw.status).toBe(202);
    const sms = await api.request('POST', '/messages', { body: { type: 'sms', recipient: '+15550100', body: 'Your code is 1234' } });
    expect(sms.status).toBe(202);
    const later = await api.request('POST', '/messages', { body: email(2, { send_at: new Date(Date.now() + 3_600_000).toISOString() }) });
    const delayed = await api.request('POST', '/messages', { body: email(3, { delay_ms: 60_000, priority: 5 }) });
    expect([later.status, delayed.status]).toEqual([202, 202]);
    const queueKey = `${p.config.redis.prefix}:${p.config.redis.queue_name}`;
    const delayedIds = await p.redis.zrange(`${queueKey}:delayed`, '0', '-1');
    expect(delayedIds).toEqual(expect.arrayContaining([later.body.id, delayed.body.id]));
  });

  it('rejects bad input with 400 naming every failing field', async () => {
    const cases: [unknown, string[]][] = [
      [{ recipient: 'not-an-address', subject: 's', body: 'b' }, ['recipient']],
      [{ recipient: 'a@example.com' }, ['body']],
      [{ recipient: 'a@example.com', template_type: 'recovery_code_valid', body: 'x' }, ['template_type']],
      [{ recipient: 'a@example.com', template_type: 'no_such_template' }, ['template_type']],
      [{ recipient: 'a@example.com', body: 'b' }, ['subject']],
      [{ recipient: 'a@example.com', subject: 's', body: 'b', colour: 'red' }, ['colour']],
      [{ type: 'fax', recipient: 'a@example.com', subject: 's', body: 'b' }, ['type']],
      [{ type: 'sms', recipient: '+1 555 0100', body: 'b' }, ['recipient']],
      [{ recipient: 'a@example.com', subject: 's', body: 'b', send_at: 'tomorrow' }, ['send_at']],
      [{ recipient: 'a@example.com', subject: 's', body: 'b', send_at: new Date().toISOString(), delay_ms: 5 }, ['delay_ms']],
      [{ recipient: 'a@example.com', subject: 's', body: 'b', priority: 0 }, ['priority']],
      [{ recipient: 'a@example.com', subject: 's', body: 'b', channel: 'pigeon' }, ['channel']],
      [{ type: 'sms', channel: 'email', recipient: '+15550100', body: 'b' }, ['channel']],
      [[1, 2], ['(body)']],
    ];
    for (const [body, paths] of cases) {
      const res = await api.request('POST', '/messages', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(
        res.body.error.details.map((d: { path: string }) => d.path),
        JSON.stringify(body),
      ).toEqual(expect.arrayContaining(paths));
    }
  });

  it('answers 400 to malformed JSON, 415 to other media types and 413 to oversized bodies', async () => {
    const bad = await api.request('POST', '/messages', { rawBody: '{"recipient": ', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('(body)');
    const text = await api.request('POST', '/messages', { rawBody: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    const huge = await api.request('POST', '/messages', { body: { recipient: 'a@example.com', subject: 's', body: 'x'.repeat(600 * 1024) } });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('payload_too_large');
  });
});

describe('idempotency', () => {
  it('returns the same message for a retried request and enqueues nothing new', async () => {
    const headers = { 'idempotency-key': `retry-${Date.now()}` };
    const first = await api.request('POST', '/messages', { body: email('idem'), headers });
    const again = await api.request('POST', '/messages', { body: email('idem'), headers });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const listed = await api.request('GET', '/messages?recipient=useridem@example.com');
    expect(listed.body.messages).toHaveLength(1);
  });

  it('answers 409 when the same key comes with a different body', async () => {
    const headers = { 'idempotency-key': `conflict-${Date.now()}` };
    expect((await api.request('POST', '/messages', { body: email('c1'), headers })).status).toBe(202);
    const other = await api.request('POST', '/messages', { body: email('c2'), headers });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency_key_reused');
  });

  it('makes exactly one message of 20 concurrent identical requests', async () => {
    const headers = { 'idempotency-key': `burst-${Date.now()}` };
    const responses = await Promise.all(Array.from({ length: 20 }, () => api.request('POST', '/messages', { body: email('burst'), headers })));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(202));
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    const listed = await api.request('GET', '/messages?recipient=userburst@example.com');
    expect(listed.body.messages).toHaveLength(1);
    const queueKey = `${p.config.redis.prefix}:${p.config.redis.queue_name}`;
    expect(await p.redis.exists(`${queueKey}:${responses[0]!.body.id}`)).toBe(1);
  });

  it('scopes keys per API key and rejects malformed keys', async () => {
    const key = `scoped-${Date.now()}`;
    const a = await api.request('POST', '/messages', { body: email('s1'), headers: { 'idempotency-key': key } });
    const b = await api.request('POST', '/messages', { body: email('s1'), headers: { 'idempotency-key': key }, auth: 'Bearer second-key-0123456789abcdef' });
    expect(a.body.id).not.toBe(b.body.id);
    const bad = await api.request('POST', '/messages', { body: email('s2'), headers: { 'idempotency-key': 'has space' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('headers.idempotency-key');
  });
});

describe('POST /messages/batch', () => {
  it('enqueues up to 1,000 messages in one request', async () => {
    const messages = Array.from({ length: 1_000 }, (_, i) => ({ recipient: `batch${i}@example.com`, subject: `s${i}`, body: `b${i}` }));
    const res = await api.request('POST', '/messages/batch', { body: { messages } });
    expect(res.status).toBe(202);
    expect(res.body.messages).toHaveLength(1_000);
    expect(new Set(res.body.messages.map((m: { id: string }) => m.id)).size).toBe(1_000);
    const got = await api.request('GET', `/messages/${res.body.messages[999].id}`);
    expect(got.body.recipient).toBe('batch999@example.com');
  });

  it('rejects the whole batch, naming messages.N paths, when one message is bad; and more than 1,000', async () => {
    const before = await p.redis.zcard(`${p.config.redis.prefix}:courier:idx:all`);
    const res = await api.request('POST', '/messages/batch', {
      body: { messages: [email('ok'), { recipient: 'broken', subject: 's', body: 'b' }, { type: 'sms', recipient: '+1555', body: 'x', channel: 'nope' }] },
    });
    expect(res.status).toBe(400);
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toContain('messages.1.recipient');
    expect(await p.redis.zcard(`${p.config.redis.prefix}:courier:idx:all`)).toBe(before);
    const channel = await api.request('POST', '/messages/batch', { body: { messages: [email('ok2'), { type: 'sms', recipient: '+1555', body: 'x', channel: 'nope' }] } });
    expect(channel.body.error.details.map((d: { path: string }) => d.path)).toEqual(['messages.1.channel']);
    const tooMany = await api.request('POST', '/messages/batch', {
      body: { messages: Array.from({ length: 1_001 }, () => ({ recipient: 'a@example.com', subject: 's', body: 'b' })) },
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details[0].path).toBe('messages');
  });
});

describe('GET /messages', () => {
  it('pages newest first with opaque tokens and Link rel="next", filtered by recipient, status and template type', async () => {
    const recipient = `pager-${Date.now()}@example.com`;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await api.request('POST', '/messages', { body: { recipient, subject: `s${i}`, body: 'b' } })).body.id);
    const seen: string[] = [];
    let path = `/messages?recipient=${encodeURIComponent(recipient)}&page_size=3`;
    for (let guard = 0; guard < 5; guard++) {
      const page = await api.request('GET', path);
      expect(page.status).toBe(200);
      seen.push(...page.body.messages.map((m: { id: string }) => m.id));
      const link = page.headers.get('link');
      if (page.body.next_page_token === undefined) {
        expect(link).toBeNull();
        break;
      }
      expect(link).toMatch(/^<\/messages\?.*page_token=.*>; rel="next"$/);
      path = link!.slice(1, link!.indexOf('>'));
      expect(path).toContain('recipient=');
    }
    expect(seen).toEqual([...ids].reverse());
    const byStatus = await api.request('GET', `/messages?status=sent&recipient=${encodeURIComponent(recipient)}`);
    expect(byStatus.body.messages).toEqual([]);
    const byTemplate = await api.request('GET', `/messages?template_type=recovery_code_valid&page_size=1000`);
    expect(byTemplate.body.messages.every((m: { template_type?: string }) => m.template_type === 'recovery_code_valid')).toBe(true);
  });

  it('lists summaries without content; GET by id with an all-scope key shows it', async () => {
    const id = (await api.request('POST', '/messages', { body: email('redact') })).body.id;
    const raw = (await api.request('POST', '/messages', { body: { recipient: 'userredact@example.com', subject: 's', body: 'secret body' } })).body.id;
    const list = await api.request('GET', '/messages?recipient=userredact@example.com');
    const text = JSON.stringify(list.body);
    expect(text).not.toContain('code-redact');
    expect(text).not.toContain('secret body');
    for (const m of list.body.messages) for (const f of ['subject', 'body', 'html_body', 'template_data']) expect(m).not.toHaveProperty(f);
    expect((await api.request('GET', `/messages/${id}`)).body.template_data.recovery_code).toBe('code-redact');
    expect((await api.request('GET', `/messages/${raw}`)).body.body).toBe('secret body');
  });

  it('rejects bad queries with 400 naming the query field', async () => {
    for (const [q, path] of [
      ['page_size=0', 'query.page_size'],
      ['page_size=1001', 'query.page_size'],
      ['page_size=ten', 'query.page_size'],
      ['status=lost', 'query.status'],
      ['page_token=garbage', 'query.page_token'],
      ['sort=asc', 'query.sort'],
    ] as const) {
      const res = await api.request('GET', `/messages?${q}`);
      expect(res.status, q).toBe(400);
      expect(
        res.body.error.details.map((d: { path: string }) => d.path),
        q,
      ).toContain(path);
    }
  });
});

describe('GET, retry and cancel by id', () => {
  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const unknown = '01890a5d-ac96-774b-bcce-b302099a8057';
    expect((await api.request('GET', `/messages/${unknown}`)).status).toBe(404);
    expect((await api.request('POST', `/messages/${unknown}/retry`)).status).toBe(404);
    expect((await api.request('DELETE', `/messages/${unknown}`)).status).toBe(404);
    const bad = await api.request('GET', '/messages/not-a-uuid');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('path.id');
  });

  it('cancels a queued message (its job is removed) and refuses to cancel twice or to retry it', async () => {
    const id = (await api.request('POST', '/messages', { body: email('cancel') })).body.id;
    const res = await api.request('DELETE', `/messages/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id, status: 'cancelled' });
    expect((await api.request('GET', `/messages/${id}`)).body.status).toBe('cancelled');
    expect(await p.redis.exists(`${p.config.redis.prefix}:${p.config.redis.queue_name}:${id}`)).toBe(0);
    const again = await api.request('DELETE', `/messages/${id}`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('not_cancellable');
    const retry = await api.request('POST', `/messages/${id}/retry`);
    expect(retry.status).toBe(409);
    expect(retry.body.error.code).toBe('not_retryable');
  });
});

describe("POST /kratos/messages (Kratos's HTTP delivery strategy)", () => {
  it("keeps everything Kratos's httpDataModel carries: html_body, template_data, request_headers, message_type", async () => {
    const templateData = {
      to: 'kmodel@example.com',
      recovery_code: '123456',
      identity: { id: 'b7c2', traits: { email: 'kmodel@example.com', name: { first: 'Ann' } } },
      request_url: 'https://auth.example.com/self-service/recovery?flow=1',
      transient_payload: { campaign: 'spring' },
      expires_in_minutes: 60,
    };
    const res = await api.request('POST', '/kratos/messages', {
      body: {
        recipient: 'kmodel@example.com',
        subject: 'Recover access',
        body: 'Your code: 123456',
        html_body: '<p>Your code: <b>123456</b></p>',
        template_type: 'recovery_code_valid',
        template_data: templateData,
        message_type: 'email',
        request_headers: { 'Accept-Language': ['de-DE'] },
      },
    });
    expect(res.status).toBe(202);
    const got = await api.request('GET', `/messages/${res.body.id}`);
    expect(got.body).toMatchObject({
      type: 'email',
      recipient: 'kmodel@example.com',
      subject: 'Recover access',
      body: 'Your code: 123456',
      html_body: '<p>Your code: <b>123456</b></p>',
      template_type: 'recovery_code_valid',
    });
    expect(got.body.template_data).toEqual({ ...templateData, request_headers: { 'Accept-Language': ['de-DE'] } });
  });

  it("keeps every non-null field of Kratos's default body template, and custom template fields, in template_data", async () => {
    const res = await api.request('POST', '/kratos/messages', {
      body: {
        recipient: 'kflat@example.com',
        template_type: 'login_code_valid',
        to: 'kflat@example.com',
        recovery_code: null,
        recovery_url: null,
        verification_url: null,
        verification_code: null,
        login_code: '424242',
        identity_id: 'b7c2',
        expires_in_minutes: 10,
        subject: 'Login code',
        body: 'Code 424242',
      },
    });
    expect(res.status).toBe(202);
    const got = await api.request('GET', `/messages/${res.body.id}`);
    expect(got.body.template_data).toEqual({ to: 'kflat@example.com', login_code: '424242', identity_id: 'b7c2', expires_in_minutes: 10 });
  });

  it('takes the type from message_type, and refuses template data past the limits', async () => {
    const sms = await api.request('POST', '/kratos/messages', {
      body: { recipient: '+15550100', subject: '', body: 'Code 1', template_type: 'login_code_valid', template_data: { login_code: '1' }, message_type: 'sms' },
    });
    expect(sms.status).toBe(202);
    expect((await api.request('GET', `/messages/${sms.body.id}`)).body).toMatchObject({ type: 'sms', channel: 'sms', body: 'Code 1' });
    const huge = await api.request('POST', '/kratos/messages', {
      body: { recipient: 'khuge@example.com', subject: 's', body: 'b', template_type: 'login_code_valid', template_data: { identity: { blob: 'x'.repeat(80 * 1024) } } },
    });
    expect(huge.status).toBe(400);
    expect(huge.body.error.details[0].path).toMatch(/^template_data/);
  });
});

describe("Kratos's admin API (GET /admin/courier/messages[/{id}])", () => {
  const HERODOT_400 = { code: 400, status: 'Bad Request' };
  const linkParts = (link: string | null) =>
    Object.fromEntries(
      (link ?? '')
        .split(',')
        .filter(Boolean)
        .map((part) => {
          const m = /^<([^>]*)>; rel="([a-z]+)"$/.exec(part);
          expect(m, part).not.toBeNull();
          return [m![2]!, new URL(m![1]!, 'http://x')];
        }),
    ) as Record<string, URL>;

  it('pages 10 by default, clamps page_size to 1..500 like ory/x keysetpagination, with Link rel="first" and rel="next"', async () => {
    const recipient = `kpager-${Date.now()}@example.com`;
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await api.request('POST', '/messages', { body: { recipient, subject: `s${i}`, body: 'b' } })).body.id);
    const q = `recipient=${encodeURIComponent(recipient)}`;
    const first = await api.request('GET', `/admin/courier/messages?${q}`);
    expect(first.status).toBe(200);
    expect(first.body).toHaveLength(10);
    const links = linkParts(first.headers.get('link'));
    expect(Object.keys(links).sort()).toEqual(['first', 'next']);
    expect(links['first']!.pathname).toBe('/admin/courier/messages');
    expect(links['first']!.searchParams.get('page_size')).toBe('10');
    expect(links['first']!.searchParams.has('page_token')).toBe(true);
    expect(links['first']!.searchParams.get('recipient')).toBe(recipient);
    expect(links['next']!.searchParams.get('page_size')).toBe('10');
    // Following rel="next" gives the rest; the last page has rel="first" only.
    const second = await api.request('GET', links['next']!.pathname + links['next']!.search);
    expect(second.body).toHaveLength(2);
    expect(Object.keys(linkParts(second.headers.get('link')))).toEqual(['first']);
    expect([...first.body, ...second.body].map((m: { id: string }) => m.id)).toEqual([...ids].reverse());
    // rel="first" leads back to the first page.
    const again = await api.request('GET', links['first']!.pathname + links['first']!.search);
    expect(again.body.map((m: { id: string }) => m.id)).toEqual(first.body.map((m: { id: string }) => m.id));
    // Sizes <= 0 fall back to 10; sizes over 500 are clamped to 500 (not refused).
    for (const [size, want] of [
      ['0', '10'],
      ['-3', '10'],
      ['501', '500'],
      ['100000', '500'],
      ['3', '3'],
    ] as const) {
      const res = await api.request('GET', `/admin/courier/messages?${q}&page_size=${size}`);
      expect(res.status, size).toBe(200);
      expect(linkParts(res.headers.get('link'))['first']!.searchParams.get('page_size'), size).toBe(want);
      expect(res.body, size).toHaveLength(Math.min(Number(want), 12));
    }
  });

  it('lists without dispatches; GET by id shows dispatches newest first (absent when none) and a nullable channel', async () => {
    const id = (await api.request('POST', '/messages', { body: { recipient: 'kdisp@example.com', subject: 's', body: 'b' } })).body.id as string;
    const fresh = await api.request('GET', `/admin/courier/messages/${id}`);
    expect(fresh.status).toBe(200);
    expect(fresh.body).not.toHaveProperty('dispatches');
    const hash = `${p.config.redis.prefix}:tracking:msg:${id}`;
    expect(await p.redis.exists(hash)).toBe(1);
    await p.redis.hset(
      hash,
      'send_count',
      '2',
      'dispatches',
      JSON.stringify([
        { at: '2026-01-01T00:00:00.000Z', status: 'failed', error: { code: 'smtp_5xx', message: 'no', retryable: true } },
        { at: '2026-01-01T00:01:00.000Z', status: 'success' },
      ]),
    );
    const one = await api.request('GET', `/admin/courier/messages/${id}`);
    expect(one.body.dispatches.map((d: { status: string }) => d.status)).toEqual(['success', 'failed']);
    expect(one.body.dispatches[0].created_at).toBe('2026-01-01T00:01:00.000Z');
    expect(one.body.channel).toBe('email');
    const list = await api.request('GET', '/admin/courier/messages?recipient=kdisp@example.com');
    expect(list.body).toHaveLength(1);
    expect(list.body[0]).not.toHaveProperty('dispatches');
    expect(list.body[0]).toMatchObject({ id, send_count: 2 });
  });

  it("answers bad queries with 400 in herodot's shape, as Kratos does", async () => {
    const statusErr = { error: { ...HERODOT_400, reason: 'Message status is not valid', message: 'The request was malformed or contained invalid parameters' } };
    for (const q of ['status=lost', 'status=error', 'status=cancelled', 'status=', 'status=Queued']) {
      const res = await api.request('GET', `/admin/courier/messages?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body, q).toEqual(statusErr);
    }
    const size = await api.request('GET', '/admin/courier/messages?page_size=ten');
    expect(size.status).toBe(400);
    expect(size.body).toEqual({ error: { ...HERODOT_400, message: 'strconv.Atoi: parsing "ten": invalid syntax' } });
    const token = await api.request('GET', '/admin/courier/messages?page_token=garbage');
    expect(token.status).toBe(400);
    expect(token.body).toEqual({ error: { ...HERODOT_400, message: 'invalid pagination token' } });
    // Kratos ignores unknown parameters, an empty recipient and an empty page_token.
    for (const q of ['sort=asc', 'recipient=', 'page_token=', 'page_size=']) {
      expect((await api.request('GET', `/admin/courier/messages?${q}`)).status, q).toBe(200);
    }
    for (const status of ['queued', 'sent', 'processing', 'abandoned']) {
      expect((await api.request('GET', `/admin/courier/messages?status=${status}`)).status, status).toBe(200);
    }
  });

  it("answers a malformed id with 400 and an unknown one with 404, in herodot's shape", async () => {
    const bad = await api.request('GET', '/admin/courier/messages/not-a-uuid');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: { ...HERODOT_400, message: 'uuid: incorrect UUID length 10 in string "not-a-uuid"' } });
    const unknown = await api.request('GET', '/admin/courier/messages/00000000-0000-0000-0000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: { code: 404, status: 'Not Found', message: 'Unable to locate the resource' } });
    // Kratos parses ids with gofrs/uuid: upper case and unhyphenated ids name the same message.
    const id = (await api.request('POST', '/messages', { body: email('kid') })).body.id as string;
    for (const form of [id.toUpperCase(), id.replace(/-/g, ''), `{${id}}`, `urn:uuid:${id}`]) {
      const res = await api.request('GET', `/admin/courier/messages/${encodeURIComponent(form)}`);
      expect(res.status, form).toBe(200);
      expect(res.body.id, form).toBe(id);
    }
    // herodot echoes X-Request-ID as `request`.
    const traced = await api.request('GET', '/admin/courier/messages/00000000-0000-0000-0000-000000000000', { headers: { 'x-request-id': 'req-42' } });
    expect(traced.body).toEqual({ error: { code: 404, status: 'Not Found', request: 'req-42', message: 'Unable to locate the resource' } });
    // An id past the router's length limit is refused before routing, in the same shape.
    const long = await api.request('GET', `/admin/courier/messages/${'x'.repeat(300)}`);
    expect(long.status).toBe(400);
    expect(long.body.error).toMatchObject({ code: 400, status: 'Bad Request' });
    // Courier's own API keeps its own error shape.
    expect((await api.request('GET', '/messages/not-a-uuid')).body.error.code).toBe('invalid_request');
  });
});

describe('Redis unavailable', () => {
  let redis: RedisServer;
  let down: TestProducer;

  beforeAll(async () => {
    redis = await startRedisServer();
    down = await startProducer({ redis: { url: redis.url } });
  });

  afterAll(async () => {
    await down.producer.close().catch(() => undefined);
    await down.redis.quit().catch(() => undefined);
    await redis.stop();
  });

  it('answers 503 with nothing half-written, reports not ready, and recovers', async () => {
    const client = await createApiClient(down.url, KEY);
    expect((await client.request('POST', '/messages', { body: email('up') })).status).toBe(202);
    await redis.kill();
    const res = await client.request('POST', '/messages', { body: email('down') });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('unavailable');
    expect((await client.request('GET', '/messages')).status).toBe(503);
    expect((await client.request('GET', '/health/ready', { auth: null })).status).toBe(503);
    expect((await client.request('GET', '/health/alive', { auth: null })).status).toBe(200);
  });
});

describe('OpenAPI', () => {
  it('served a document that every response so far matched', () => {
    // Each request above was validated by the client; this asserts the coverage.
    const keys = [...api.validated.keys()];
    for (const expected of [
      'POST /messages 202',
      'POST /messages 400',
      'GET /messages 200',
      'GET /messages/{id} 200',
      'POST /messages/batch 202',
      'DELETE /messages/{id} 200',
      'POST /messages 409',
      'POST /messages 413',
      'GET /messages 401',
      'GET /admin/courier/messages 200',
      'GET /admin/courier/messages 400',
      'GET /admin/courier/messages/{id} 200',
      'GET /admin/courier/messages/{id} 400',
      'GET /admin/courier/messages/{id} 404',
    ]) {
      expect(keys).toContain(expected);
    }
  });
});
