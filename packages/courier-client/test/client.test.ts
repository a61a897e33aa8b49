/**
 * The typed client against a real producer and worker (child processes), real
 * Redis and an SMTP sink; client-side failure handling against real node:http
 * servers that misbehave on purpose.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@courier/testkit';
import { CourierApiError, createCourierClient, type CourierClient, type Message, type MessageStatus, type MessageSummary } from '../src/index.js';
import { API_KEY, eventually, startCourier, type TestCourier } from './support/courier.js';

const WRONG_KEY = 'wrong-key-but-long-enough-0123456789';

let courier: TestCourier;
let client: CourierClient;
/** Recipients the SMTP sink refuses with 550. */
const refused = new Set<string>();

beforeAll(async () => {
  courier = await startCourier('client-test');
  await courier.startWorker();
  courier.smtp.setResponder((mail) => (mail.to.some((to) => refused.has(to)) ? { code: 550, message: '5.1.1 No such user' } : undefined));
  client = createCourierClient({ baseUrl: courier.url, apiKey: API_KEY });
});

afterAll(async () => {
  await courier?.close();
});

const unique = (label: string): string => `${label}-${randomUUID().slice(0, 8)}@example.com`;

/** The rejection of `promise`, which must be a CourierApiError. */
async function apiError(promise: Promise<unknown>): Promise<CourierApiError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CourierApiError);
  return err as CourierApiError;
}

async function statusOf(id: string, status: MessageStatus): Promise<Message | undefined> {
  const m = await client.get(id);
  return m.status === status ? m : undefined;
}

/** Everything a thrown error could reveal when logged or serialised. */
function everythingVisible(err: unknown): string {
  return [String(err), (err as Error).stack ?? '', JSON.stringify(err), inspect(err, { depth: Infinity, showHidden: true }), JSON.stringify(Object.values(err as object))].join(
    '\n',
  );
}

describe('send', () => {
  it('enqueues a templated e-mail that the worker then delivers', async () => {
    const to = unique('templated');
    const sent = await client.send({ recipient: to, template_type: 'recovery_code_valid', template_data: { recovery_code: '246810' } });
    expect(sent).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'queued', replayed: false });
    const got = await client.get(sent.id);
    expect(got).toMatchObject({ id: sent.id, recipient: to, type: 'email', template_type: 'recovery_code_valid', template_data: { recovery_code: '246810' } });
    const delivered = await eventually(() => statusOf(sent.id, 'sent'), 20_000, 'sent');
    expect(delivered.send_count).toBe(1);
    expect(delivered.dispatches.map((d) => d.status)).toEqual(['success']);
    const mail = courier.smtp.received.find((m) => m.envelope.to.includes(to));
    expect(mail?.parsed?.text).toContain('246810');
  });

  it('enqueues a raw e-mail with scheduling and priority, keeping it queued until its time', async () => {
    const to = unique('raw');
    const later = await client.send({ recipient: to, subject: 'Hello', body: 'plain text', html_body: '<p>html</p>' }, { delayMs: 3_600_000, priority: 3 });
    const at = await client.send({ recipient: to, subject: 'At', body: 'scheduled' }, { sendAt: new Date(Date.now() + 3_600_000) });
    const got = await client.get(later.id);
    expect(got).toMatchObject({ status: 'queued', subject: 'Hello', body: 'plain text', html_body: '<p>html</p>', send_count: 0 });
    expect((await client.get(at.id)).status).toBe('queued');
    // Give a wrongly immediate job the time to be sent.
    await new Promise((r) => setTimeout(r, 500));
    expect((await client.get(later.id)).status).toBe('queued');
    expect(courier.smtp.received.filter((m) => m.envelope.to.includes(to))).toHaveLength(0);
  });

  it('sends expiresAt and ttlSeconds, and shows expires_at; 400 for a past expiresAt', async () => {
    const to = unique('expiry');
    const at = new Date(Date.now() + 7_200_000);
    const byDate = await client.send({ recipient: to, subject: 'Code', body: 'code' }, { delayMs: 3_600_000, expiresAt: at });
    expect((await client.get(byDate.id)).expires_at).toBe(at.toISOString());
    const byTtl = await client.sendBatch([{ recipient: to, subject: 'Code', body: 'code', delay_ms: 3_600_000, ttl_seconds: 7_200 }]);
    expect((await client.get(byTtl.messages[0]!.id)).expires_at).toEqual(expect.any(String));
    const past = await apiError(client.send({ recipient: to, subject: 's', body: 'b' }, { expiresAt: new Date(Date.now() - 1_000) }));
    expect(past.status).toBe(400);
    expect(past.details).toEqual([expect.objectContaining({ path: 'expires_at' })]);
    // Scheduled no earlier than its expiry: refused, the field named in the details.
    const late = await apiError(client.send({ recipient: to, subject: 's', body: 'b' }, { sendAt: new Date(Date.now() + 120_000), expiresAt: new Date(Date.now() + 60_000) }));
    expect(late.status).toBe(400);
    expect(late.details).toEqual([expect.objectContaining({ path: 'send_at', message: expect.stringContaining('before the message expires') })]);
  });

  it('returns the same message for a repeated idempotency key, and 409 for the same key with another body', async () => {
    const to = unique('idem');
    const key = `idem-${randomUUID()}`;
    const message = { recipient: to, subject: 'Once', body: 'only once' };
    const first = await client.send(message, { idempotencyKey: key, delayMs: 3_600_000 });
    const second = await client.send(message, { idempotencyKey: key, delayMs: 3_600_000 });
    expect(second.id).toBe(first.id);
    expect([first.replayed, second.replayed]).toEqual([false, true]);
    expect((await client.list({ recipient: to })).messages.map((m) => m.id)).toEqual([first.id]);
    const conflict = await apiError(client.send({ ...message, body: 'something else' }, { idempotencyKey: key, delayMs: 3_600_000 }));
    expect(conflict).toMatchObject({ status: 409, code: 'idempotency_key_reused', retryable: false });
  });
});

describe('sendBatch', () => {
  it('enqueues e-mail and SMS in one request, answering ids in request order, idempotently', async () => {
    const a = unique('batch-a');
    const b = unique('batch-b');
    const phone = `+1555${Math.floor(Math.random() * 9_000_000 + 1_000_000)}`;
    const messages = [
      { recipient: a, template_type: 'login_code_valid' as const, template_data: { login_code: '1111' }, delay_ms: 3_600_000 },
      { recipient: b, subject: 'Raw', body: 'raw body', delay_ms: 3_600_000 },
      { type: 'sms' as const, recipient: phone, body: 'sms body', delay_ms: 3_600_000 },
    ];
    const key = `batch-${randomUUID()}`;
    const result = await client.sendBatch(messages, { idempotencyKey: key });
    expect(result.replayed).toBe(false);
    expect(result.messages).toHaveLength(3);
    expect(result.messages.every((m) => m.status === 'queued')).toBe(true);
    const got = await Promise.all(result.messages.map((m) => client.get(m.id)));
    expect(got.map((m) => [m.recipient, m.type, m.channel])).toEqual([
      [a, 'email', 'email'],
      [b, 'email', 'email'],
      [phone, 'sms', 'sms'],
    ]);
    const again = await client.sendBatch(messages, { idempotencyKey: key });
    expect(again).toEqual({ messages: result.messages, replayed: true });
  });

  it('surfaces the 400 field paths of a bad message in a batch, and enqueues none of them', async () => {
    const good = unique('batch-good');
    const err = await apiError(
      client.sendBatch([
        { recipient: good, subject: 's', body: 'b' },
        { recipient: 'not-an-address', subject: 's', body: 'b' },
      ]),
    );
    expect(err).toMatchObject({ status: 400, code: 'invalid_request', retryable: false });
    expect(err.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'messages.1.recipient' })]));
    expect((await client.list({ recipient: good })).messages).toHaveLength(0);
  });
});

describe('list and listAll', () => {
  it('pages with page tokens, filters, and iterates every page', async () => {
    const to = unique('pages');
    const batch = await client.sendBatch(
      Array.from({ length: 7 }, (_, i) =>
        i % 2 === 0
          ? { recipient: to, subject: `m${i}`, body: `body ${i}`, delay_ms: 3_600_000 }
          : { recipient: to, template_type: 'verification_code_valid' as const, template_data: { verification_code: `${i}${i}${i}` }, delay_ms: 3_600_000 },
      ),
    );
    const ids = batch.messages.map((m) => m.id);

    const first = await client.list({ recipient: to, pageSize: 3 });
    expect(first.messages).toHaveLength(3);
    expect(first.nextPageToken).toEqual(expect.any(String));
    const second = await client.list({ recipient: to, pageSize: 3, pageToken: first.nextPageToken! });
    expect(second.messages).toHaveLength(3);
    expect(second.messages.map((m) => m.id).filter((id) => first.messages.some((f) => f.id === id))).toEqual([]);

    // Count the requests listAll makes by passing the real fetch through a counter.
    let requests = 0;
    const counting = createCourierClient({
      baseUrl: courier.url,
      apiKey: API_KEY,
      fetch: (input, init) => {
        requests += 1;
        return fetch(input, init);
      },
    });
    const all: MessageSummary[] = [];
    for await (const m of counting.listAll({ recipient: to, pageSize: 3 })) all.push(m);
    expect(requests).toBe(3);
    expect(all.map((m) => m.id).sort()).toEqual([...ids].sort());
    expect(new Set(all.map((m) => m.id)).size).toBe(7);
    // Newest first: UUIDv7 ids sort by creation.
    expect(all.map((m) => m.id)).toEqual([...all.map((m) => m.id)].sort().reverse());

    requests = 0;
    const some: string[] = [];
    for await (const m of counting.listAll({ recipient: to, pageSize: 3 })) {
      some.push(m.id);
      if (some.length === 4) break;
    }
    expect(requests).toBe(2);

    const templated: string[] = [];
    for await (const m of client.listAll({ recipient: to, templateType: 'verification_code_valid', pageSize: 2 })) templated.push(m.id);
    expect(templated.sort()).toEqual([ids[1], ids[3], ids[5]].sort());
    expect((await client.list({ recipient: to, status: 'queued' })).messages).toHaveLength(7);
    expect((await client.list({ recipient: to, status: 'sent' })).messages).toHaveLength(0);
  });
});

describe('cancel and retry', () => {
  it('cancels a queued message, and refuses to cancel it twice', async () => {
    const sent = await client.send({ recipient: unique('cancel'), subject: 's', body: 'b' }, { delayMs: 3_600_000 });
    expect(await client.cancel(sent.id)).toEqual({ id: sent.id, status: 'cancelled' });
    expect((await client.get(sent.id)).status).toBe('cancelled');
    expect(await apiError(client.cancel(sent.id))).toMatchObject({ status: 409, code: 'not_cancellable', retryable: false });
  });

  it('refuses to retry a message that is not abandoned', async () => {
    const sent = await client.send({ recipient: unique('not-abandoned'), subject: 's', body: 'b' }, { delayMs: 3_600_000 });
    expect(await apiError(client.retry(sent.id))).toMatchObject({ status: 409, code: 'not_retryable', retryable: false });
    expect((await client.get(sent.id)).status).toBe('queued');
  });

  it('retries an abandoned message, which is then delivered', async () => {
    const to = unique('retry');
    refused.add(to);
    const sent = await client.send({ recipient: to, subject: 'Second time lucky', body: 'hello' });
    const abandoned = await eventually(() => statusOf(sent.id, 'abandoned'), 20_000, 'abandoned');
    expect(abandoned.send_count).toBe(1);
    expect(abandoned.dispatches[0]?.error).toMatchObject({ code: 'SMTP_PERMANENT', retryable: false });

    refused.delete(to);
    expect(await client.retry(sent.id)).toEqual({ id: sent.id, status: 'queued' });
    const delivered = await eventually(() => statusOf(sent.id, 'sent'), 20_000, 'sent after retry');
    expect(delivered.send_count).toBe(2);
    expect(delivered.dispatches.map((d) => d.status)).toEqual(['failed', 'success']);
    expect(courier.smtp.received.filter((m) => m.envelope.to.includes(to))).toHaveLength(1);
  });
});

describe('errors', () => {
  it('throws a 401 CourierApiError for a wrong key, and never reveals the key', async () => {
    const bad = createCourierClient({ baseUrl: courier.url, apiKey: WRONG_KEY });
    const err = await apiError(bad.list());
    expect(err).toMatchObject({ name: 'CourierApiError', status: 401, code: 'unauthorized', retryable: false, method: 'GET' });
    expect(everythingVisible(err)).not.toContain(WRONG_KEY);
    expect(inspect(bad, { depth: Infinity, showHidden: true })).not.toContain(WRONG_KEY);
    const sendErr = await apiError(bad.send({ recipient: 'a@example.com', subject: 's', body: 'b' }));
    expect(sendErr.status).toBe(401);
    expect(everythingVisible(sendErr)).not.toContain(WRONG_KEY);
  });

  it('surfaces 400 details for bad messages, filters and ids, and 404 for an unknown id', async () => {
    const bad = await apiError(client.send({ recipient: 'not-an-address', subject: 's', body: 'b' }));
    expect(bad).toMatchObject({ status: 400, code: 'invalid_request', retryable: false });
    expect(bad.details).toEqual([{ path: 'recipient', message: expect.any(String) }]);
    const both = await apiError(client.send({ recipient: 'a@example.com', subject: 's', body: 'b' }, { sendAt: new Date(Date.now() + 60_000), delayMs: 5 }));
    expect(both.details.map((d) => d.path)).toContain('delay_ms');
    const filter = await apiError(client.list({ status: 'bogus' as MessageStatus }));
    expect(filter.details.map((d) => d.path)).toEqual(['query.status']);
    const id = await apiError(client.get('not-a-uuid'));
    expect(id.details.map((d) => d.path)).toEqual(['path.id']);
    expect(await apiError(client.get(randomUUID()))).toMatchObject({ status: 404, code: 'not_found', details: [] });
  });
});

describe('rate limits', () => {
  it('surfaces a recipient limit as a retryable 429 rate_limited with retryAfterMs, naming the message', async () => {
    const to = unique('limited');
    await client.send({ recipient: to, template_type: 'recovery_code_invalid' });
    const limited = await apiError(client.send({ recipient: to, template_type: 'recovery_code_invalid' }));
    expect(limited).toMatchObject({ status: 429, code: 'rate_limited', retryable: true });
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    expect(limited.retryAfterMs).toBeLessThanOrEqual(3_600_000);
    expect(limited.details).toEqual([{ path: 'recipient', message: expect.stringContaining('at most 1') }]);
    const batch = await apiError(
      client.sendBatch([
        { recipient: unique('other'), subject: 's', body: 'b' },
        { recipient: to, template_type: 'recovery_code_invalid' },
      ]),
    );
    expect(batch).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(batch.details.map((d) => d.path)).toEqual(['messages.1.recipient']);
  });
});

describe('client-side failures', () => {
  let server: Server;
  let serverUrl: string;
  /** What the misbehaving server does, by path. */
  const behaviours: Record<string, (res: import('node:http').ServerResponse, auth: string) => void> = {
    '/busy/messages': (res) => res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '2' }).end('{"error":{"code":"unavailable","message":"try again"}}'),
    '/proxy/messages': (res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html>bad gateway</html>'),
    '/garbage/messages': (res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('not json'),
    '/echo/messages': (res, auth) =>
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'internal', message: `rejected header ${auth}` } })),
    '/silent/messages': () => undefined,
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      behaviours[path]?.(res, req.headers.authorization ?? '');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const at = (prefix: string, timeoutMs?: number) =>
    createCourierClient({ baseUrl: `${serverUrl}/${prefix}`, apiKey: WRONG_KEY, ...(timeoutMs === undefined ? {} : { timeoutMs }) });

  it('classifies 503 with Retry-After, a non-JSON 502 and a non-JSON 200', async () => {
    expect(await apiError(at('busy').list())).toMatchObject({ status: 503, code: 'unavailable', retryable: true, retryAfterMs: 2_000 });
    expect(await apiError(at('proxy').list())).toMatchObject({ status: 502, code: 'http_502', retryable: true });
    expect(await apiError(at('garbage').list())).toMatchObject({ status: 200, code: 'invalid_response', retryable: false });
  });

  it('scrubs the key from a server message that echoes it', async () => {
    const err = await apiError(at('echo').list());
    expect(err).toMatchObject({ status: 500, retryable: true });
    expect(err.message).toContain('[redacted]');
    expect(everythingVisible(err)).not.toContain(WRONG_KEY);
  });

  it('reports a timeout and a refused connection as retryable, with status 0', async () => {
    const timeout = await apiError(at('silent', 300).list());
    expect(timeout).toMatchObject({ status: 0, code: 'timeout', retryable: true });
    const port = await freePort();
    const refusedErr = await apiError(createCourierClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: WRONG_KEY }).get(randomUUID()));
    expect(refusedErr).toMatchObject({ status: 0, code: 'network_error', retryable: true });
    expect(refusedErr.message).toContain('ECONNREFUSED');
    expect(everythingVisible(refusedErr)).not.toContain(WRONG_KEY);
  });

  it('rejects unusable options without quoting the key', () => {
    const withNewline = `${WRONG_KEY}\nx`;
    expect(() => createCourierClient({ baseUrl: serverUrl, apiKey: withNewline })).toThrow(TypeError);
    try {
      createCourierClient({ baseUrl: serverUrl, apiKey: withNewline });
    } catch (err) {
      expect(everythingVisible(err)).not.toContain(WRONG_KEY);
    }
    expect(() => createCourierClient({ baseUrl: 'http://user:pw@127.0.0.1:1', apiKey: WRONG_KEY })).toThrow(/credentials/);
    expect(() => createCourierClient({ baseUrl: 'ftp://127.0.0.1', apiKey: WRONG_KEY })).toThrow(/http/);
  });
});
