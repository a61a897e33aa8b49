/**
 * The HTTP delivery strategy against a real node:http server on 127.0.0.1 and real
 * libjsonnet. The Kratos templates in fixtures/ are verbatim copies; each file's
 * first lines cite where it comes from.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHttpSink, type HttpSink } from '@courier/testkit';
import { requestConfigSchema } from '../src/config/schema.js';
import { DeliveryError, TemplateError, summarizeError } from '../src/errors.js';
import { createHttpStrategy } from '../src/delivery/http/strategy.js';
import { encodeFormBody } from '../src/delivery/http/body.js';
import { classifyHttpResponse, parseRetryAfter } from '../src/delivery/http/classify.js';
import type { DeliveryStrategy, OutboundMessage } from '../src/delivery/strategy.js';

const PASSWORD = 'pw-Zq81-very-secret';
const API_KEY = 'key-9f2c1e77aa-secret';

let sink: HttpSink;
let tmp: string;
const strategies: DeliveryStrategy[] = [];

beforeAll(async () => {
  sink = await startHttpSink();
  tmp = await mkdtemp(join(tmpdir(), 'courier-http-'));
});
afterAll(async () => {
  await sink.close();
  await rm(tmp, { recursive: true, force: true });
});
afterEach(async () => {
  sink.reset();
  sink.setResponder(() => undefined);
  await Promise.all(
    strategies.splice(0).map(async (s) => {
      await s.close?.();
    }),
  );
});

function strategy(config: Record<string, unknown>): DeliveryStrategy {
  const s = createHttpStrategy({ requestConfig: requestConfigSchema.parse({ url: `${sink.url}/send`, ...config }) });
  strategies.push(s);
  return s;
}

function b64(text: string): string {
  return `base64://${Buffer.from(text).toString('base64')}`;
}

function fixtureUri(name: string): string {
  return pathToFileURL(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))).href;
}

function message(over: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    id: 'msg-0001',
    type: 'email',
    channel: 'email',
    recipient: 'alice@example.org',
    subject: 'Recover access',
    body: 'Use code 482913',
    template_type: 'recovery_code_valid',
    template_data: { to: 'alice@example.org', recovery_code: '482913' },
    ...over,
  };
}

async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

describe('createHttpStrategy: the request', () => {
  it("sends Kratos's default body with the configured method and headers", async () => {
    const s = strategy({ method: 'put', headers: { 'X-Tenant': 'acme', Accept: 'application/json' } });
    const result = await s.send(message());
    expect(result.response).toBe('HTTP 200');

    const req = only(sink.requests);
    expect(req.method).toBe('PUT');
    expect(req.url).toBe('/send');
    expect(req.headers['x-tenant']).toBe('acme');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['x-courier-message-id']).toBe('msg-0001');
    expect(JSON.parse(req.body)).toEqual({
      recipient: 'alice@example.org',
      template_type: 'recovery_code_valid',
      to: 'alice@example.org',
      recovery_code: '482913',
      recovery_url: null,
      verification_url: null,
      verification_code: null,
      subject: 'Recover access',
      body: 'Use code 482913',
    });
  });

  it('sends basic auth', async () => {
    await strategy({ auth: { type: 'basic_auth', config: { user: 'me', password: PASSWORD } } }).send(message());
    const expected = `Basic ${Buffer.from(`me:${PASSWORD}`).toString('base64')}`;
    expect(only(sink.requests).headers.authorization).toBe(expected);
  });

  it('sends an api key in a header', async () => {
    await strategy({ auth: { type: 'api_key', config: { name: 'X-Api-Key', value: API_KEY, in: 'header' } } }).send(message());
    expect(only(sink.requests).headers['x-api-key']).toBe(API_KEY);
  });

  it('sends an api key as a cookie, next to a configured cookie', async () => {
    await strategy({
      headers: { Cookie: 'region=eu' },
      auth: { type: 'api_key', config: { name: 'session_key', value: API_KEY, in: 'cookie' } },
    }).send(message());
    expect(only(sink.requests).headers.cookie).toBe(`region=eu; session_key=${API_KEY}`);
  });

  it('sends a JSON body from a base64:// template', async () => {
    await strategy({ body: b64('function(ctx) { phone: ctx.recipient, text: ctx.body, kind: ctx.message_type }') }).send(
      message({ type: 'sms', channel: 'sms', recipient: '+15550100', body: 'Your code: 1234', subject: undefined }),
    );
    expect(JSON.parse(only(sink.requests).body)).toEqual({ phone: '+15550100', text: 'Your code: 1234', kind: 'sms' });
  });

  it('form-encodes the body when the Content-Type says so', async () => {
    const template = "function(ctx) { To: ctx.recipient, Body: ctx.body, From: '+1 555 0199', n: 5, ok: true, none: null, nested: { a: [1, 'x'] } }";
    await strategy({
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: b64(template),
    }).send(message({ recipient: '+15550100', body: 'Code: 12&34 ~ok*' }));
    const req = only(sink.requests);
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    // Keys sorted and escaped as Go's url.Values.Encode; null as an empty value, as Kratos's map[string]string.
    expect(req.body).toBe('Body=Code%3A+12%2634+~ok%2A&From=%2B1+555+0199&To=%2B15550100&n=5&nested=%7B%22a%22%3A%5B1%2C%22x%22%5D%7D&none=&ok=true');
    expect(Object.fromEntries(new URLSearchParams(req.body))).toMatchObject({
      To: '+15550100',
      Body: 'Code: 12&34 ~ok*',
      nested: '{"a":[1,"x"]}',
    });
  });

  it('refuses to form-encode a template result that is not an object', async () => {
    expect(() => encodeFormBody(['a'])).toThrow(DeliveryError);
    const err = await failure(strategy({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: b64('function(ctx) "text"') }).send(message()));
    expect(err.code).toBe('HTTP_BODY_INVALID');
    expect(err.retryable).toBe(false);
    expect(sink.count()).toBe(0);
  });

  it('sends no body with GET', async () => {
    await strategy({ method: 'GET' }).send(message());
    const req = only(sink.requests);
    expect(req.method).toBe('GET');
    expect(req.body).toBe('');
  });
});

describe('createHttpStrategy: Kratos templates verbatim', () => {
  it('renders the capitalised-names template (ctx.Recipient, ctx.TemplateData.RecoveryCode)', async () => {
    const s = strategy({ body: fixtureUri('kratos-legacy-mailer.jsonnet') });
    await s.send(message());
    await s.send(
      message({
        id: 'msg-0002',
        template_type: 'verification_valid',
        template_data: { to: 'alice@example.org', verification_url: 'https://app.example/verify?token=t0k' },
      }),
    );
    const [recovery, verification] = sink.requests.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(recovery).toMatchObject({
      recipient: 'alice@example.org',
      template_type: 'recovery_code_valid',
      to: 'alice@example.org',
      recovery_code: '482913',
      verification_url: null,
    });
    expect(verification).toMatchObject({
      recipient: 'alice@example.org',
      template_type: 'verification_valid',
      to: 'alice@example.org',
      verification_url: 'https://app.example/verify?token=t0k',
      recovery_code: null,
    });
  });

  it('renders the snake_case docs template (ctx.recipient, ctx.template_data.login_code)', async () => {
    await strategy({ body: fixtureUri('kratos-docs-payload.jsonnet') }).send(
      message({ template_type: 'login_code_valid', template_data: { to: 'alice@example.org', login_code: '771204' } }),
    );
    expect(JSON.parse(only(sink.requests).body)).toMatchObject({
      recipient: 'alice@example.org',
      template_type: 'login_code_valid',
      to: 'alice@example.org',
      login_code: '771204',
      recovery_code: null,
    });
  });

  it("renders the docs' Sendgrid example", async () => {
    await strategy({ body: fixtureUri('kratos-docs-sendgrid.jsonnet') }).send(
      message({ template_type: 'verification_code_valid', template_data: { verification_code: '550123' } }),
    );
    expect(JSON.parse(only(sink.requests).body)).toEqual({
      personalizations: [{ to: [{ email: 'alice@example.org' }], verificationCode: '550123' }],
    });
  });

  it("renders a non-function template through std.extVar('ctx')", async () => {
    await strategy({ body: b64("{ to: std.extVar('ctx').recipient, code: std.extVar('ctx').template_data.recovery_code }") }).send(message());
    expect(JSON.parse(only(sink.requests).body)).toEqual({ to: 'alice@example.org', code: '482913' });
  });
});

describe('createHttpStrategy: body template sources', () => {
  it('loads a file:// template and picks up a change', async () => {
    const path = join(tmp, 'body.jsonnet');
    await writeFile(path, 'function(ctx) { v: 1, to: ctx.recipient }');
    const s = strategy({ body: pathToFileURL(path).href });
    await s.send(message());
    await writeFile(path, 'function(ctx) { v: 2, to: ctx.recipient, extra: "yes" }');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await s.send(message());
    expect(sink.requests.map((r) => JSON.parse(r.body) as unknown)).toEqual([
      { v: 1, to: 'alice@example.org' },
      { v: 2, to: 'alice@example.org', extra: 'yes' },
    ]);
  });

  it('loads an http:// template', async () => {
    sink.setResponder((req) =>
      req.url === '/body.jsonnet' ? { status: 200, headers: { 'content-type': 'text/plain' }, body: 'function(ctx) { remote: ctx.recipient }' } : undefined,
    );
    await strategy({ body: `${sink.url}/body.jsonnet` }).send(message());
    const sent = sink.requests.filter((r) => r.url === '/send');
    expect(JSON.parse(only(sent).body)).toEqual({ remote: 'alice@example.org' });
  });

  it('treats a template that cannot be loaded as retryable', async () => {
    const err = await failure(strategy({ body: pathToFileURL(join(tmp, 'missing.jsonnet')).href }).send(message()));
    expect(err.code).toBe('TEMPLATE_LOAD_FAILED');
    expect(err.retryable).toBe(true);
  });

  it('fails permanently, without a request, when the template throws for the message', async () => {
    const err = await failure(strategy({ body: b64("function(ctx) error 'no template for ' + ctx.template_type") }).send(message()));
    expect(err.code).toBe('TEMPLATE_RENDER_FAILED');
    expect(err.retryable).toBe(false);
    expect(err.cause).toBeInstanceOf(TemplateError);
    expect(sink.count()).toBe(0);
  });

  it('verify() compile-checks the template without contacting the provider', async () => {
    await expect(strategy({ body: fixtureUri('kratos-docs-payload.jsonnet') }).verify?.()).resolves.toBeUndefined();
    await expect(strategy({}).verify?.()).resolves.toBeUndefined();
    const err: unknown = await strategy({ body: b64('function(ctx) { a: }') })
      .verify?.()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as TemplateError).code).toBe('TEMPLATE_COMPILE_FAILED');
    expect((err as TemplateError).message).toContain('STATIC ERROR');
    expect(sink.count()).toBe(0);
  });
});

describe('createHttpStrategy: answers and failures', () => {
  it.each([200, 201, 204])('treats HTTP %i as success', async (status) => {
    sink.setResponder(() => ({ status, body: status === 204 ? undefined : '{"id":"prov-77"}' }));
    const result = await strategy({}).send(message());
    expect(result.response).toBe(`HTTP ${status}`);
    expect(result.providerMessageId).toBe(status === 204 ? undefined : 'prov-77');
  });

  it.each([500, 502, 503, 408])('treats HTTP %i as retryable', async (status) => {
    sink.setResponder(() => ({ status, body: 'upstream busy' }));
    const err = await failure(strategy({}).send(message()));
    expect(err.code).toBe('HTTP_STATUS_RETRYABLE');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(`HTTP ${status}`);
    expect(err.message).toContain('upstream busy');
    expect(err.retryAfterMs).toBeUndefined();
  });

  it('honours Retry-After seconds on 429 and 503', async () => {
    sink.setResponder(() => ({ status: 429, headers: { 'retry-after': '120' }, body: 'slow down' }));
    const tooMany = await failure(strategy({}).send(message()));
    expect(tooMany.retryable).toBe(true);
    expect(tooMany.retryAfterMs).toBe(120_000);

    sink.setResponder(() => ({ status: 503, headers: { 'retry-after': '7' } }));
    expect((await failure(strategy({}).send(message()))).retryAfterMs).toBe(7_000);
  });

  it('honours a Retry-After HTTP-date on 429', async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    sink.setResponder(() => ({ status: 429, headers: { 'retry-after': at } }));
    const err = await failure(strategy({}).send(message()));
    expect(err.code).toBe('HTTP_STATUS_RETRYABLE');
    expect(err.retryAfterMs).toBeGreaterThan(27_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it.each([400, 401, 404, 422])('treats HTTP %i as permanent', async (status) => {
    sink.setResponder(() => ({ status, body: `{"error":"rejected ${status}"}` }));
    const err = await failure(strategy({}).send(message()));
    expect(err.code).toBe('HTTP_STATUS_PERMANENT');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(`HTTP ${status}`);
    expect(err.message).toContain(`rejected ${status}`);
  });

  it('keeps only a short snippet of a long error body', async () => {
    sink.setResponder(() => ({ status: 400, body: `${'x'.repeat(5_000)}TAIL` }));
    const err = await failure(strategy({}).send(message()));
    expect(err.message).not.toContain('TAIL');
    expect(err.message.length).toBeLessThan(300);
  });

  it('times out a provider that does not answer within timeout_ms: the request was written, so its outcome is unknown (retryable: idempotency header)', async () => {
    sink.setResponder(() => ({ status: 200, delayMs: 3_000 }));
    const s = strategy({ timeout_ms: 200 });
    // Render once first so the measured send is the request alone.
    await s.verify?.();
    const started = Date.now();
    const err = await failure(s.send(message()));
    expect(err.code).toBe('HTTP_OUTCOME_UNKNOWN');
    expect(err.message).toMatch(/HTTP_TIMEOUT: request to provider timed out/);
    expect(err.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reports an abort by the caller after the request was written as an unknown outcome (HTTP_ABORTED inside)', async () => {
    sink.setResponder(() => ({ status: 200, delayMs: 3_000 }));
    const controller = new AbortController();
    const sending = strategy({}).send(message(), { signal: controller.signal });
    await sink.waitFor(1);
    controller.abort();
    const err = await failure(sending);
    expect(err.code).toBe('HTTP_OUTCOME_UNKNOWN');
    expect(err.message).toMatch(/HTTP_ABORTED/);
    expect(err.retryable).toBe(true);
  });

  it('treats a refused connection as retryable HTTP_NETWORK', async () => {
    const port = await closedPort();
    const s = createHttpStrategy({ requestConfig: requestConfigSchema.parse({ url: `http://127.0.0.1:${port}/send` }) });
    const err = await failure(s.send(message()));
    expect(err.code).toBe('HTTP_NETWORK');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('never puts credentials in an error message, even when the provider echoes them', async () => {
    sink.setResponder((req) => ({ status: req.url.endsWith('401') ? 401 : 500, body: JSON.stringify(req.headers) }));
    const basic = { type: 'basic_auth', config: { user: 'me', password: PASSWORD } };
    const apiKey = { type: 'api_key', config: { name: 'X-Api-Key', value: API_KEY, in: 'header' } };
    const cookie = { type: 'api_key', config: { name: 'k', value: API_KEY, in: 'cookie' } };
    const errors: DeliveryError[] = [];
    for (const auth of [basic, apiKey, cookie]) {
      for (const path of ['/401', '/500']) {
        errors.push(
          await failure(
            createHttpStrategy({
              requestConfig: requestConfigSchema.parse({
                url: `${sink.url}${path}`,
                headers: { Authorization: `Bearer ${API_KEY}-header` },
                auth,
              }),
            }).send(message()),
          ),
        );
      }
    }
    sink.setResponder(() => ({ status: 200, delayMs: 3_000 }));
    errors.push(await failure(strategy({ timeout_ms: 100, auth: basic }).send(message())));
    errors.push(
      await failure(
        createHttpStrategy({
          requestConfig: requestConfigSchema.parse({ url: `http://127.0.0.1:${await closedPort()}/`, auth: apiKey }),
        }).send(message()),
      ),
    );

    const basicToken = Buffer.from(`me:${PASSWORD}`).toString('base64');
    expect(errors.filter((e) => e.code === 'HTTP_STATUS_PERMANENT')).toHaveLength(3);
    expect(errors.filter((e) => e.code === 'HTTP_STATUS_RETRYABLE')).toHaveLength(3);
    for (const err of errors) {
      const text = `${err.message} ${JSON.stringify(summarizeError(err))}`;
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain(basicToken);
    }
    // The echoed headers did reach the message, redacted.
    expect(errors[0]?.message).toContain('[redacted]');
  });
});

describe('delivery/http/classify', () => {
  it('parses Retry-After seconds and HTTP-dates', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wednesday, 21-Oct-15 07:29:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('2015', now)).toBe(2_015_000);
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('ignores Retry-After on statuses that do not define it', () => {
    const err = classifyHttpResponse(500, new Headers({ 'retry-after': '9' }), '');
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBeUndefined();
    expect(err.message).toBe('provider answered HTTP 500');
    expect(classifyHttpResponse(302, new Headers(), '').retryable).toBe(false);
  });
});

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// Keep the fixture reader honest: the files must stay present for the tests above.
it('ships the Kratos fixtures', async () => {
  for (const name of ['kratos-legacy-mailer.jsonnet', 'kratos-docs-payload.jsonnet', 'kratos-docs-sendgrid.jsonnet']) {
    expect(await readFile(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8')).toContain('function(ctx)');
  }
});
