/**
 * Property-based tests (fast-check) of the producer API with random and malformed
 * input: JSON bodies (random values, a wrong type in each field, huge strings, deep
 * nesting, unicode, prototype-pollution keys), raw non-JSON bodies sent as JSON,
 * random headers (Idempotency-Key, Authorization, Content-Type), random query
 * strings and random path ids. 1,000 requests in all.
 *
 * Properties, for every request: never a 5xx; a 4xx body is JSON
 * `{ error: { code, message } }` and a 400 names at least one field path in
 * `details`; every answer matches the OpenAPI document (the API client checks); and
 * the server still answers `/health/alive` afterwards, with `Object.prototype`
 * untouched (the producer runs in this process, so pollution would show here).
 *
 * A failure prints fast-check's shrunk counterexample and seed; `FUZZ_SEED=<seed>`
 * replays a run.
 */
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient, type ApiResponse } from './support/api-client.js';
import { startProducer, type TestProducer } from './support/producer.js';

const KEY = 'fuzz-key-0123456789abcdef';
/** Small enough that the huge-string cases cross it cheaply. */
const BODY_LIMIT = 256 * 1024;
const SEED = process.env['FUZZ_SEED'] === undefined ? undefined : Number(process.env['FUZZ_SEED']);

let p: TestProducer;
let api: ApiClient;
const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(async () => {
  p = await startProducer({
    courier: { channels: [{ id: 'sms', type: 'http', request_config: { url: 'http://127.0.0.1:9/sms' } }] },
    producer: { api_keys: [KEY], body_limit_bytes: BODY_LIMIT },
  });
  api = await createApiClient(p.url, KEY);
});

afterAll(async () => {
  await p?.close();
});

afterEach(async () => {
  // Never a crash: the process still serves after each property's runs.
  const alive = await fetch(`${p.url}/health/alive`);
  expect(alive.status).toBe(200);
  expect(await alive.json()).toEqual({ status: 'ok' });
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
});

/** One request the fuzzer makes. */
interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
  /** Authorization header; undefined sends the valid key, null sends none. */
  readonly auth?: string | null;
}

function describeRequest(req: FuzzRequest): string {
  const body = req.rawBody ?? (req.body === undefined ? '' : jsonText(req.body));
  const shown = body.length > 300 ? `${body.slice(0, 300)}... (${body.length} chars)` : body;
  return `${req.method} ${req.path.length > 300 ? `${req.path.slice(0, 300)}...` : req.path} headers=${JSON.stringify(req.headers ?? {})} auth=${JSON.stringify(req.auth)} body=${shown}`;
}

/** Send a request and check the properties every answer must have. */
async function sendAndCheck(req: FuzzRequest): Promise<ApiResponse> {
  const headers = { ...req.headers };
  if (req.body !== undefined) headers['content-type'] ??= 'application/json';
  const rawBody = req.body === undefined ? req.rawBody : jsonText(req.body);
  const res = await api.request(req.method, req.path, {
    ...(rawBody === undefined ? {} : { rawBody }),
    headers,
    ...(req.auth === undefined ? {} : { auth: req.auth }),
  });
  const what = describeRequest(req);
  expect(res.status, `5xx for ${what}`).toBeLessThan(500);
  // Kratos's admin routes answer 400 and 404 in Kratos's (herodot's) shape: a numeric code, no details.
  const kratosShaped = req.path.startsWith('/admin/courier/messages') && (res.status === 400 || res.status === 404);
  if (kratosShaped) {
    expect(res.body, `Kratos error shape for ${what}`).toMatchObject({ error: { code: res.status, status: expect.any(String), message: expect.any(String) } });
  } else if (res.status >= 400) {
    expect(res.body, `error shape for ${what}`).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
  }
  if (res.status === 400 && !kratosShaped) {
    const details = (res.body as { error: { details?: { path: unknown }[] } }).error.details;
    expect(Array.isArray(details) && details.length > 0, `400 without details for ${what}`).toBe(true);
    for (const d of details ?? []) {
      expect(typeof d.path === 'string' && d.path.length > 0, `400 detail without a path for ${what}`).toBe(true);
    }
  }
  return res;
}

function runs(numRuns: number): { numRuns: number; seed?: number } {
  return { numRuns, ...(SEED === undefined ? {} : { seed: SEED }) };
}

/** Per-property time limit: generous for shrinking a failure, far above a passing run. */
const PROPERTY_TIMEOUT_MS = 120_000;

// --- building blocks ---------------------------------------------------------

const VALID_BODIES: readonly Record<string, unknown>[] = [
  { recipient: 'fuzz@example.com', template_type: 'recovery_code_valid', template_data: { recovery_code: '123456' } },
  { recipient: 'fuzz@example.com', subject: 'Hi', body: 'Hello', html_body: '<p>Hello</p>' },
  { type: 'sms', recipient: '+15550100', body: 'Your code is 4242' },
  { type: 'sms', recipient: '+15550100', template_type: 'login_code_valid', template_data: { login_code: '4242' } },
];
const MESSAGE_FIELDS = [
  'type',
  'channel',
  'recipient',
  'subject',
  'body',
  'html_body',
  'template_type',
  'template_data',
  'send_at',
  'delay_ms',
  'priority',
  'unknown_field',
  '__proto__',
  'constructor',
  'prototype',
] as const;
const KRATOS_FIELDS = [
  'recipient',
  'template_type',
  'to',
  'recovery_code',
  'recovery_url',
  'verification_url',
  'verification_code',
  'login_code',
  'registration_code',
  'subject',
  'body',
  'html_body',
  'message_type',
  'template_data',
  'request_headers',
] as const;

/** Strings of many kinds: ASCII, any code point (lone surrogates included), graphemes, and tricky constants. */
const anyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('', ' ', '\u0000', '\uFEFF', '\uD800', 'a@b', '@', '+', '../../etc/passwd', '%00', '{{recovery_code}}', '<script>', 'null', 'NaN', '2030-13-45T25:61:00Z'),
);
/** A string far beyond field limits, sometimes beyond the body limit. */
const hugeString = fc.integer({ min: 300, max: 400_000 }).chain((n) => fc.constantFrom('x', 'é', '😀', '\\').map((c) => c.repeat(n)));
/**
 * A value nested `depth` levels deep. Deep values are kept as this small
 * description until they are sent: JSON.stringify (and fast-check's own printing)
 * recurse and would overflow the test's stack long before the server's parser does.
 */
class Deep {
  constructor(
    readonly depth: number,
    readonly asArray: boolean,
  ) {}
  /** The JSON text, built without recursion. */
  text(): string {
    return this.asArray ? `${'['.repeat(this.depth)}1${']'.repeat(this.depth)}` : `${'{"a":'.repeat(this.depth)}1${'}'.repeat(this.depth)}`;
  }
  [fc.toStringMethod](): string {
    return `Deep(${this.depth}, ${this.asArray ? 'array' : 'object'})`;
  }
}
const deepValue = fc.tuple(fc.integer({ min: 2, max: 20_000 }), fc.boolean()).map(([depth, asArray]) => new Deep(depth, asArray));

/** JSON text of a value that may hold {@link Deep} parts. */
function jsonText(value: unknown): string {
  const deep: Deep[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Deep) {
      deep.push(v);
      return `\u0000deep${deep.length - 1}\u0000`;
    }
    return v;
  });
  return text.replace(/"\\u0000deep(\d+)\\u0000"/g, (_m, i: string) => deep[Number(i)]?.text() ?? 'null');
}

/** encodeURIComponent that takes lone surrogates too (as U+FFFD, as a browser would send them). */
function encodePiece(s: string): string {
  return encodeURIComponent(s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
}

const wrongValue = fc.oneof(
  { arbitrary: fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -0, '', [], {}), weight: 3 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: anyString, weight: 3 },
  { arbitrary: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }), weight: 1 },
  { arbitrary: fc.dictionary(anyString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), weight: 1 },
  { arbitrary: hugeString, weight: 1 },
  { arbitrary: deepValue, weight: 1 },
);

/** A valid body with one field replaced by a value of a random (usually wrong) type. */
function withWrongField(fields: readonly string[], bases: readonly Record<string, unknown>[]) {
  return fc.record({ base: fc.constantFrom(...bases), field: fc.constantFrom(...fields), value: wrongValue }).map(({ base, field, value }) => {
    const body: Record<string, unknown> = { ...base };
    // defineProperty, so `__proto__` becomes an own key that JSON.stringify sends.
    Object.defineProperty(body, field, { value, enumerable: true, configurable: true, writable: true });
    return body;
  });
}

/** JSON text whose key `__proto__` / `constructor.prototype` sits somewhere in a message. */
const pollutedJson = fc
  .record({
    key: fc.constantFrom('__proto__', 'constructor'),
    where: fc.constantFrom('top', 'template_data', 'identity', 'transient_payload', 'batch'),
    payload: fc.jsonValue({ maxDepth: 2 }),
  })
  .map(({ key, where, payload }) => {
    const poison = key === '__proto__' ? `{"polluted":${JSON.stringify(payload)}}` : `{"prototype":{"polluted":${JSON.stringify(payload)}}}`;
    const entry = `"${key}":${poison}`;
    const data =
      where === 'template_data'
        ? `{"recovery_code":"1",${entry}}`
        : where === 'identity'
          ? `{"recovery_code":"1","identity":{${entry}}}`
          : where === 'transient_payload'
            ? `{"recovery_code":"1","transient_payload":{"x":{${entry}}}}`
            : '{"recovery_code":"1"}';
    const message = `{${where === 'top' || where === 'batch' ? `${entry},` : ''}"recipient":"fuzz@example.com","template_type":"recovery_code_valid","template_data":${data}}`;
    return where === 'batch' ? `{"messages":[${message}]}` : message;
  });

/** A valid templated message with a deep value where the schema takes any object (template data, identity, transient payload). */
const deepInTemplateData = fc
  .record({ where: fc.constantFrom('template_data', 'identity', 'transient_payload'), deep: deepValue, base: fc.constantFrom(VALID_BODIES[0]!, VALID_BODIES[3]!) })
  .map(({ where, deep, base }) => {
    const data = base['template_data'] as Record<string, unknown>;
    const templateData = where === 'template_data' ? deep : where === 'identity' ? { ...data, identity: { traits: deep } } : { ...data, transient_payload: { x: deep } };
    return { ...base, template_data: templateData };
  });

const randomJson = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.dictionary(fc.constantFrom(...MESSAGE_FIELDS, 'messages', 'v', 'id'), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }));

const headerChar = fc
  .oneof(
    { arbitrary: fc.integer({ min: 0x20, max: 0x7e }), weight: 8 },
    { arbitrary: fc.constant(0x09), weight: 1 },
    { arbitrary: fc.integer({ min: 0x80, max: 0xff }), weight: 1 },
  )
  .map((c) => String.fromCharCode(c));
/** A header value fetch will send (HTAB, visible ASCII and obs-text; no CR/LF/NUL). */
const headerValue = fc.array(headerChar, { maxLength: 300 }).map((chars) => chars.join(''));

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=UTF-8',
  'APPLICATION/JSON',
  'application/json; charset=latin1',
  'application/json; boundary=x; foo',
  'application/jsonx',
  'application/vnd.api+json',
  'application/problem+json',
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  '*/*',
  ';',
  '',
] as const;

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
/** Authorization variants, each with whether it must be accepted. */
const authVariant: fc.Arbitrary<{ auth: string | null; valid: boolean }> = fc.oneof(
  fc.constantFrom<{ auth: string | null; valid: boolean }>(
    { auth: `Bearer ${KEY}`, valid: true },
    { auth: `bearer ${KEY}`, valid: true },
    { auth: `BEARER   ${KEY}  `, valid: true },
    // HTTP Basic is the dashboard's only: the API refuses even the right key sent that way.
    { auth: `Basic ${b64(`anyone:${KEY}`)}`, valid: false },
    { auth: `Basic ${b64(`:${KEY}`)}`, valid: false },
    { auth: null, valid: false },
    { auth: 'Bearer', valid: false },
    { auth: 'Bearer ', valid: false },
    { auth: `Bearer ${KEY} extra`, valid: false },
    { auth: `Bearer ${KEY}x`, valid: false },
    { auth: `Bearer ${KEY.slice(0, -1)}`, valid: false },
    { auth: `Token ${KEY}`, valid: false },
    { auth: KEY, valid: false },
    { auth: `Basic ${b64(KEY)}`, valid: false },
    { auth: `Basic ${b64(`${KEY}:`)}`, valid: false },
    { auth: 'Basic ', valid: false },
    { auth: 'Basic !!!!', valid: false },
    { auth: 'Basic ====', valid: false },
    { auth: 'Digest username="x"', valid: false },
    { auth: `Bearer ${'k'.repeat(8_000)}`, valid: false },
  ),
  headerValue.map((v) => ({ auth: v, valid: false })),
  anyString.map((s) => ({ auth: `Basic ${b64(`user:${s}`)}`, valid: false })),
);

/** Random text in a URL: percent-encoded, or with raw malformed escapes mixed in. */
const urlPiece = fc.oneof(
  anyString.map(encodePiece),
  fc.constantFrom('%', '%zz', '%00', '%E0%A4%A', '%C0%AF', '%2F', '..', '.', '%2e%2e', '+', '&', '=', '%25', '%u0041', '[]', '[0]'),
  hugeString.map((s) => encodePiece(s.slice(0, 1_000))),
);

// --- properties ----------------------------------------------------------------

describe('producer API under random and malformed input', () => {
  it(
    'JSON bodies to POST /messages: random values, a wrong type in every field, huge, deep, unicode, polluted (250 runs)',
    async () => {
      const body = fc.oneof(
        { arbitrary: withWrongField(MESSAGE_FIELDS, VALID_BODIES).map((b) => ({ body: b })), weight: 5 },
        { arbitrary: randomJson.map((b) => ({ body: b })), weight: 2 },
        { arbitrary: deepValue.map((d) => ({ body: d })), weight: 1 },
        { arbitrary: deepInTemplateData.map((b) => ({ body: b })), weight: 1 },
        { arbitrary: pollutedJson.map((raw) => ({ rawBody: raw })), weight: 1 },
      );
      await fc.assert(
        fc.asyncProperty(body, async (b) => {
          await sendAndCheck({ method: 'POST', path: '/messages', headers: { 'content-type': 'application/json' }, ...b });
        }),
        runs(250),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'JSON bodies to POST /messages/batch (100 runs)',
    async () => {
      const message = fc.oneof(fc.constantFrom(...VALID_BODIES), withWrongField(MESSAGE_FIELDS, VALID_BODIES), deepInTemplateData, randomJson);
      const body = fc.oneof(
        fc.array(message, { maxLength: 5 }).map((messages) => ({ messages })),
        fc.integer({ min: 1_001, max: 1_100 }).map((n) => ({ messages: new Array<unknown>(n).fill(VALID_BODIES[2]) })),
        fc.record({ messages: wrongValue }),
        fc.record({ messages: fc.array(message, { maxLength: 2 }), extra: wrongValue }),
        randomJson,
      );
      await fc.assert(
        fc.asyncProperty(body, async (b) => {
          await sendAndCheck({ method: 'POST', path: '/messages/batch', body: b });
        }),
        runs(100),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'JSON bodies to POST /kratos/messages (100 runs)',
    async () => {
      const kratosBase = [{ recipient: 'kratos@example.com', template_type: 'recovery_code_valid', recovery_code: '867530', subject: 'Recover', body: 'Code 867530' }];
      const body = fc.oneof(
        withWrongField(KRATOS_FIELDS, kratosBase),
        randomJson,
        pollutedJson.map((raw) => JSON.parse(raw) as unknown),
      );
      await fc.assert(
        fc.asyncProperty(body, async (b) => {
          await sendAndCheck({ method: 'POST', path: '/kratos/messages', body: b });
        }),
        runs(100),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'raw non-JSON and broken JSON text sent as application/json (120 runs)',
    async () => {
      const valid = JSON.stringify(VALID_BODIES[0]);
      const raw = fc.oneof(
        anyString,
        fc.constantFrom(
          '',
          ' ',
          'null',
          'true',
          '1',
          '"text"',
          '[]',
          '[1,2]',
          '{',
          '{"a":',
          '{"recipient":"x"',
          "{'a':1}",
          '\uFEFF{}',
          'NaN',
          '{"a":1}{"b":2}',
          '{"a":1,}',
          '\u0000',
          '{"a":"\\x"}',
          '{"a":"\\uD800"}',
          '1e999999',
        ),
        fc.integer({ min: 0, max: valid.length - 1 }).map((n) => valid.slice(0, n)),
        fc.integer({ min: 1, max: 60_000 }).map((n) => '['.repeat(n)),
        fc.integer({ min: 1, max: 40_000 }).map((n) => '{"a":'.repeat(n)),
        hugeString,
      );
      await fc.assert(
        fc.asyncProperty(
          raw,
          fc.constantFrom('/messages', '/messages/batch', '/kratos/messages'),
          fc.constantFrom('application/json', 'application/json; charset=utf-8'),
          async (text, path, contentType) => {
            await sendAndCheck({ method: 'POST', path, rawBody: text, headers: { 'content-type': contentType } });
          },
        ),
        runs(120),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'random Idempotency-Key, Authorization and Content-Type headers (150 runs)',
    async () => {
      const idempotencyKey = fc.option(fc.oneof(headerValue, fc.constantFrom('k1', 'same-key', ' padded ', 'x'.repeat(255), 'x'.repeat(256))), { nil: undefined });
      const contentType = fc.option(fc.oneof(fc.constantFrom(...CONTENT_TYPES), headerValue), { nil: undefined });
      const body = fc.oneof(
        fc.constantFrom(...VALID_BODIES).map((b) => JSON.stringify(b)),
        randomJson.map((b) => JSON.stringify(b)),
        anyString,
      );
      const route = fc.constantFrom(
        { method: 'POST', path: '/messages' },
        { method: 'POST', path: '/messages/batch' },
        { method: 'POST', path: '/kratos/messages' },
        { method: 'GET', path: '/messages' },
        { method: 'GET', path: '/admin/courier/messages' },
      );
      await fc.assert(
        fc.asyncProperty(route, authVariant, idempotencyKey, contentType, body, async (r, a, key, type, text) => {
          const headers: Record<string, string> = {};
          if (key !== undefined) headers['idempotency-key'] = key;
          if (type !== undefined && r.method === 'POST') headers['content-type'] = type;
          const res = await sendAndCheck({
            method: r.method,
            path: r.path,
            headers,
            auth: a.auth,
            ...(r.method === 'POST' ? { rawBody: r.path === '/messages/batch' ? `{"messages":[${text}]}` : text } : {}),
          });
          // Authentication comes first and depends on the key alone.
          if (a.valid) expect(res.status, `valid credentials refused: ${JSON.stringify(a.auth)}`).not.toBe(401);
          else expect(res.status, `invalid credentials accepted: ${JSON.stringify(a.auth)}`).toBe(401);
        }),
        runs(150),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'random query strings for GET /messages and GET /admin/courier/messages (150 runs)',
    async () => {
      const knownKey = fc.constantFrom('status', 'recipient', 'template_type', 'page_size', 'page_token', 'status[]', 'page_size[0]', '__proto__', 'constructor');
      const knownValue = fc.oneof(
        fc.constantFrom(
          'queued',
          'sent',
          'abandoned',
          'processing',
          'error',
          'cancelled',
          'recovery_code_valid',
          '0',
          '1',
          '1000',
          '1001',
          '-1',
          '1.5',
          '1e3',
          'NaN',
          'Infinity',
          '0x10',
          ' 5',
          '',
        ),
        fc.constantFrom('eyJhIjoiMDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwIn0', 'eyJhIjoxfQ', 'bnVsbA', 'W10', '!!!!'),
        urlPiece,
      );
      const pair = fc.oneof(
        fc.tuple(knownKey, knownValue).map(([k, v]) => `${encodeURIComponent(k)}=${v}`),
        fc.tuple(urlPiece, urlPiece).map(([k, v]) => `${k}=${v}`),
        urlPiece,
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('/messages', '/admin/courier/messages'), fc.array(pair, { maxLength: 6 }), async (path, pairs) => {
          // Node answers a request line past its 16 KiB header limit itself (431), before the API sees it.
          await sendAndCheck({ method: 'GET', path: `${path}?${pairs.join('&')}`.slice(0, 12_000) });
        }),
        runs(150),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('random path ids for get, retry and cancel (130 runs)', async () => {
    const id = fc.oneof(
      urlPiece.filter((s) => s !== '' && s !== '.' && s !== '..' && s !== '%2e%2e'),
      fc.uuid().map((u) => u),
      fc.uuid().map((u) => u.toUpperCase()),
      fc.uuid().map((u) => `${u}x`),
      fc.uuid().map((u) => u.replace(/-/g, '')),
      fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'null', 'undefined', '0', '-1', 'constructor', '__proto__', 'hasOwnProperty'),
    );
    const route = fc.constantFrom(
      { method: 'GET', path: '/messages/{id}' },
      { method: 'DELETE', path: '/messages/{id}' },
      { method: 'POST', path: '/messages/{id}/retry' },
      { method: 'GET', path: '/admin/courier/messages/{id}' },
    );
    await fc.assert(
      fc.asyncProperty(route, id, async (r, i) => {
        const res = await sendAndCheck({ method: r.method, path: r.path.replace('{id}', i) });
        // No message exists under a random id.
        expect([400, 404]).toContain(res.status);
      }),
      runs(130),
    );
  });
});
