/**
 * The delivery HTTP client (undici `request`) against real node:http servers on the
 * loopback interface: request shape, reading at most N bytes of an answer while
 * handing the connection back to the pool, redirects followed as `fetch` followed
 * them, the address guard on every hop, and its errors classified into the same
 * DeliveryError codes `fetch`'s were.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requestConfigSchema } from '../src/config/schema.js';
import { createHttpStrategy } from '../src/delivery/http/strategy.js';
import { classifyFetchError } from '../src/delivery/http/classify.js';
import { requestDeadline } from '../src/delivery/deadline.js';
import { disallowedRangeOf } from '../src/net/address-ranges.js';
import { findDisallowedAddressError } from '../src/net/address-guard.js';
import { createGuardedAgent } from '../src/net/guarded-agent.js';
import { createHttpRequest, MAX_REDIRECTS, RedirectError, type HttpRequestFunction } from '../src/net/http-client.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The client's port: the same for two requests means one pooled connection. */
  readonly clientPort: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen) => void;

interface TestServer {
  readonly server: Server;
  readonly port: number;
  readonly seen: Seen[];
  handler: Handler;
}

const ok: Handler = (_req, res) => res.end('ok');

async function startServer(host: string): Promise<TestServer> {
  const state = { seen: [] as Seen[], handler: ok };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        clientPort: req.socket.remotePort ?? 0,
      };
      state.seen.push(seen);
      state.handler(req, res, seen);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return Object.assign(state, { server, port });
}

async function stopServer(s: TestServer): Promise<void> {
  await new Promise<void>((resolve) => {
    s.server.close(() => resolve());
    s.server.closeAllConnections();
  });
}

let srv: TestServer;
/** On the IPv6 loopback, a target the guard refuses. */
let srv6: TestServer;
const agents: Agent[] = [];

/** A request function on its own pool, so connection reuse is observable per test. */
function client(agent: Agent = new Agent()): HttpRequestFunction {
  agents.push(agent);
  return createHttpRequest(() => agent);
}

const base = (): string => `http://127.0.0.1:${srv.port}`;
const post = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' } as const;

beforeAll(async () => {
  srv = await startServer('127.0.0.1');
  srv6 = await startServer('::1');
});
afterAll(async () => {
  await stopServer(srv);
  await stopServer(srv6);
});
afterEach(async () => {
  for (const s of [srv, srv6]) {
    s.seen.length = 0;
    s.handler = ok;
  }
  await Promise.all(agents.splice(0).map((a) => a.close()));
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

describe('requests and answers', () => {
  it('sends method, headers and body, and returns status and lower-cased headers', async () => {
    srv.handler = (_req, res, seen) => {
      res.writeHead(201, { 'X-Message-Id': 'p-1', 'Content-Type': 'application/json' });
      res.end(`{"echo":${JSON.stringify(seen.body)}}`);
    };
    const res = await client()(new URL(`${base()}/send?x=1`), { method: 'PUT', headers: { 'x-tenant': 'acme', 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(res.status).toBe(201);
    expect(res.headers['x-message-id']).toBe('p-1');
    expect(await res.text(4_096)).toBe('{"echo":"{\\"a\\":1}"}');
    const [seen] = srv.seen;
    expect(seen).toMatchObject({ method: 'PUT', url: '/send?x=1', body: '{"a":1}' });
    expect(seen?.headers).toMatchObject({ 'x-tenant': 'acme', 'content-type': 'application/json', 'content-length': '7' });
  });

  it('sends GET without a body', async () => {
    const res = await client()(new URL(`${base()}/get`), { method: 'GET', headers: {} });
    expect(await res.text(100)).toBe('ok');
    expect(srv.seen[0]).toMatchObject({ method: 'GET', body: '' });
    expect(srv.seen[0]?.headers['content-length']).toBeUndefined();
    expect(srv.seen[0]?.headers['transfer-encoding']).toBeUndefined();
  });

  it('reads at most the limit of a long streamed answer and drains the rest, keeping the connection', async () => {
    srv.handler = (req, res) => {
      if (req.url !== '/long') return void res.end('short');
      // Chunked, no Content-Length: read as a stream, cut at the limit, the rest drained.
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.write('a'.repeat(3_000));
      res.write('b'.repeat(3_000));
      setTimeout(() => res.end(`${'c'.repeat(10_000)}TAIL`), 20);
    };
    const send = client();
    const long = await send(new URL(`${base()}/long`), post);
    expect(await long.text(4_096)).toBe(`${'a'.repeat(3_000)}${'b'.repeat(1_096)}`);
    await sleep(60);
    // undici's pool takes a tick to see a connection free again, so wait before the next request.
    const next = await send(new URL(`${base()}/next`), post);
    expect(await next.text(4_096)).toBe('short');
    // A destroyed body would have closed the connection: the second request would come on a new one.
    expect(srv.seen.map((s) => s.clientPort)).toEqual([srv.seen[0]?.clientPort, srv.seen[0]?.clientPort]);
  });

  it('never leaves a long answer holding the only connection: cut reads and discard() let the next request through', async () => {
    srv.handler = (req, res) => {
      if (req.url?.startsWith('/huge') !== true) return void res.end('ok');
      // Far beyond the socket and stream buffers: unread, it would stall the connection.
      res.writeHead(200);
      const chunk = 'x'.repeat(64 * 1024);
      let left = 64;
      const pump = (): void => {
        while (left > 0) {
          left--;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    };
    const send = client(new Agent({ connections: 1 }));
    expect(await (await send(new URL(`${base()}/huge-1`), post)).text(10)).toBe('x'.repeat(10));
    expect(await (await send(new URL(`${base()}/next`), post)).text(10)).toBe('ok');
    (await send(new URL(`${base()}/huge-2`), post)).discard();
    expect(await (await send(new URL(`${base()}/next`), post)).text(10)).toBe('ok');
  }, 10_000);

  it('aborts reading the answer with the signal', async () => {
    srv.handler = (_req, res) => {
      res.writeHead(200);
      res.write('partial');
    };
    const controller = new AbortController();
    const res = await client()(new URL(`${base()}/stall`), { ...post, signal: controller.signal });
    const reading = res.text(4_096);
    controller.abort();
    await expect(reading).rejects.toBeDefined();
  });
});

describe('redirects, followed as fetch does', () => {
  function redirectOnce(status: number, to: () => string): Handler {
    return (req, res) => {
      if (req.url === '/from') {
        res.writeHead(status, { location: to() });
        res.end('moved');
      } else {
        res.end('landed');
      }
    };
  }

  it.each([307, 308])('%i keeps the method, body and headers', async (status) => {
    srv.handler = redirectOnce(status, () => '/to');
    const res = await client()(new URL(`${base()}/from`), { ...post, headers: { ...post.headers, authorization: 'Bearer t' } });
    expect(res.status).toBe(200);
    expect(await res.text(100)).toBe('landed');
    expect(srv.seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['POST', '/from', '{"a":1}'],
      ['POST', '/to', '{"a":1}'],
    ]);
    expect(srv.seen[1]?.headers).toMatchObject({ authorization: 'Bearer t', 'content-type': 'application/json' });
  });

  it.each([
    [301, 'POST', 'GET'],
    [302, 'POST', 'GET'],
    [303, 'PUT', 'GET'],
    [302, 'PUT', 'PUT'],
  ])('%i turns %s into %s', async (status, method, expected) => {
    srv.handler = redirectOnce(status, () => `${base()}/to`);
    const res = await client()(new URL(`${base()}/from`), { ...post, method });
    expect(await res.text(100)).toBe('landed');
    const hop = srv.seen[1];
    expect(hop?.method).toBe(expected);
    if (expected === 'GET') {
      expect(hop?.body).toBe('');
      expect(hop?.headers['content-type']).toBeUndefined();
    } else {
      expect(hop?.body).toBe('{"a":1}');
    }
  });

  it('drops credentials on a cross-origin hop and keeps them on a same-origin one', async () => {
    srv.handler = (req, res) => {
      if (req.url === '/a') res.writeHead(307, { location: '/b' }).end();
      else if (req.url === '/b') res.writeHead(307, { location: `http://localhost:${srv.port}/c` }).end();
      else res.end('landed');
    };
    const headers = { authorization: 'Basic c2VjcmV0', Cookie: 'k=v', 'x-api-key': 'kept', 'content-type': 'application/json' };
    const res = await client()(new URL(`${base()}/a`), { ...post, headers });
    expect(await res.text(100)).toBe('landed');
    expect(srv.seen.map((s) => s.url)).toEqual(['/a', '/b', '/c']);
    expect(srv.seen[1]?.headers).toMatchObject({ authorization: 'Basic c2VjcmV0', cookie: 'k=v' });
    expect(srv.seen[2]?.headers.authorization).toBeUndefined();
    expect(srv.seen[2]?.headers.cookie).toBeUndefined();
    expect(srv.seen[2]?.headers).toMatchObject({ 'x-api-key': 'kept', host: `localhost:${srv.port}` });
  });

  it('drops the credential headers it is told of on a cross-origin hop only', async () => {
    srv.handler = (req, res) => {
      if (req.url === '/a') res.writeHead(307, { location: '/b' }).end();
      else if (req.url === '/b') res.writeHead(307, { location: `http://localhost:${srv.port}/c` }).end();
      else res.end('landed');
    };
    const headers = { 'x-api-key': 'provider-secret', 'x-trace': 'kept' };
    const res = await client()(new URL(`${base()}/a`), { ...post, headers, credentialHeaders: new Set(['x-api-key']) });
    expect(await res.text(100)).toBe('landed');
    expect(srv.seen[1]?.headers['x-api-key']).toBe('provider-secret');
    expect(srv.seen[2]?.headers['x-api-key']).toBeUndefined();
    expect(srv.seen[2]?.headers['x-trace']).toBe('kept');
  });

  it(`follows ${MAX_REDIRECTS} hops and fails the next one as a retryable network error`, async () => {
    srv.handler = (req, res) => {
      const n = Number(req.url?.slice(1));
      if (n > 0) res.writeHead(302, { location: `/${n - 1}` }).end();
      else res.end('landed');
    };
    const send = client();
    expect(await (await send(new URL(`${base()}/${MAX_REDIRECTS}`), { method: 'GET', headers: {} })).text(10)).toBe('landed');
    srv.seen.length = 0;
    const err = await rejection(send(new URL(`${base()}/${MAX_REDIRECTS + 1}`), { method: 'GET', headers: {} }));
    expect(err).toBeInstanceOf(RedirectError);
    expect(srv.seen).toHaveLength(MAX_REDIRECTS + 1);
    expect(classifyFetchError(err)).toMatchObject({ code: 'HTTP_NETWORK', retryable: true });
    expect(classifyFetchError(err).message).toContain('ERR_TOO_MANY_REDIRECTS');
  });

  it('refuses a redirect to a non-HTTP(S) location, without quoting it', async () => {
    srv.handler = redirectOnce(302, () => 'file:///etc/secret-path');
    const err = await rejection(client()(new URL(`${base()}/from`), post));
    expect(err).toMatchObject({ code: 'ERR_INVALID_REDIRECT' });
    expect((err as Error).message).not.toContain('secret-path');
    expect(classifyFetchError(err)).toMatchObject({ code: 'HTTP_NETWORK', retryable: true });
  });

  it('returns a redirect status without a Location as the answer', async () => {
    srv.handler = (_req, res) => res.writeHead(302).end('no location');
    const res = await client()(new URL(`${base()}/from`), post);
    expect(res.status).toBe(302);
    expect(await res.text(100)).toBe('no location');
  });
});

describe('the address guard on every connection', () => {
  // Lets exactly 127.0.0.1 through, standing in for a public address.
  const only127 = (address: string) => (address === '127.0.0.1' ? undefined : disallowedRangeOf(address));

  it('sends through the guarded agent when allowed and refuses a redirect hop to a refused address', async () => {
    srv.handler = (req, res) => (req.url === '/hop' ? res.writeHead(302, { location: `http://[::1]:${srv6.port}/inner` }).end() : res.end('ok'));
    const send = client(createGuardedAgent(only127));
    expect(await (await send(new URL(`http://localhost:${srv.port}/direct`), post)).text(10)).toBe('ok');
    const err = await rejection(send(new URL(`${base()}/hop`), post));
    expect(findDisallowedAddressError(err)?.message).toContain('::1 is a loopback address');
    expect(srv6.seen).toHaveLength(0);
    // Control: unguarded, the hop is followed.
    expect(await (await client()(new URL(`${base()}/hop`), post)).text(10)).toBe('ok');
    expect(srv6.seen).toHaveLength(1);
  });

  it('refuses the first connection with the guard error itself, before a byte is sent', async () => {
    const err = await rejection(client(createGuardedAgent())(new URL(`${base()}/x`), post));
    expect(findDisallowedAddressError(err)?.message).toContain('127.0.0.1 is a loopback address');
    expect(srv.seen).toHaveLength(0);
  });
});

describe('errors, classified as fetch errors were', () => {
  it('refuses a URL holding credentials (HTTP_REQUEST_INVALID, permanent), sending nothing', async () => {
    const err = await rejection(client()(new URL(`http://user:pw@127.0.0.1:${srv.port}/x`), post));
    expect(classifyFetchError(err)).toMatchObject({ code: 'HTTP_REQUEST_INVALID', retryable: false });
    expect(srv.seen).toHaveLength(0);
  });

  it('an invalid header value is HTTP_REQUEST_INVALID, permanent, without quoting it', async () => {
    const err = await rejection(client()(new URL(`${base()}/x`), { ...post, headers: { 'x-bad': 'secret\r\nvalue' } }));
    const classified = classifyFetchError(err);
    expect(classified).toMatchObject({ code: 'HTTP_REQUEST_INVALID', retryable: false });
    expect(classified.message).not.toContain('secret');
    expect(srv.seen).toHaveLength(0);
  });

  it('a deadline is HTTP_TIMEOUT, a dropped connection HTTP_NETWORK', async () => {
    srv.handler = (req, res) => {
      if (req.url === '/drop') req.socket.destroy();
      // '/hang' never answers.
      else if (req.url !== '/hang') res.end('ok');
    };
    const send = client();
    const deadline = requestDeadline(100);
    const timedOut = await rejection(send(new URL(`${base()}/hang`), { ...post, signal: deadline.signal }));
    deadline.dispose();
    expect(classifyFetchError(timedOut)).toMatchObject({ code: 'HTTP_TIMEOUT', retryable: true });
    const dropped = await rejection(send(new URL(`${base()}/drop`), post));
    expect(classifyFetchError(dropped)).toMatchObject({ code: 'HTTP_NETWORK', retryable: true });
    expect(classifyFetchError(dropped).message).toContain('UND_ERR_SOCKET');
  });
});

describe('the HTTP strategy on this client', () => {
  it('follows a redirect to the provider and sends fetch-like default headers, configured ones winning', async () => {
    srv.handler = (req, res) => {
      if (req.url === '/old') res.writeHead(308, { location: '/new' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"prov-9"}');
    };
    const strategy = createHttpStrategy({
      requestConfig: requestConfigSchema.parse({ url: `${base()}/old`, headers: { 'User-Agent': 'acme-courier/1' } }),
    });
    try {
      const result = await strategy.send({ id: 'm-1', type: 'sms', channel: 'sms', recipient: '+15550100', body: 'hi' });
      expect(result).toEqual({ response: 'HTTP 200', providerMessageId: 'prov-9' });
    } finally {
      await strategy.close?.();
    }
    expect(srv.seen.map((s) => [s.method, s.url])).toEqual([
      ['POST', '/old'],
      ['POST', '/new'],
    ]);
    expect(srv.seen[1]?.headers).toMatchObject({ accept: '*/*', 'user-agent': 'acme-courier/1', 'x-courier-message-id': 'm-1' });
    expect(JSON.parse(srv.seen[1]?.body ?? '')).toMatchObject({ recipient: '+15550100', body: 'hi' });
  });

  it('does not carry an api_key header or configured token to another origin on a redirect', async () => {
    srv.handler = (req, res) => {
      if (req.url === '/send') res.writeHead(307, { location: `http://localhost:${srv.port}/elsewhere` }).end();
      else res.end('');
    };
    const strategy = createHttpStrategy({
      requestConfig: requestConfigSchema.parse({
        url: `${base()}/send`,
        headers: { 'X-Provider-Token': 'token-0123456789' },
        auth: { type: 'api_key', config: { name: 'X-Api-Key', value: 'key-0123456789', in: 'header' } },
      }),
    });
    try {
      await strategy.send({ id: 'm-3', type: 'sms', channel: 'sms', recipient: '+15550100', body: 'hi' });
    } finally {
      await strategy.close?.();
    }
    expect(srv.seen[0]?.headers).toMatchObject({ 'x-api-key': 'key-0123456789', 'x-provider-token': 'token-0123456789' });
    expect(srv.seen[1]?.url).toBe('/elsewhere');
    expect(srv.seen[1]?.headers['x-api-key']).toBeUndefined();
    expect(srv.seen[1]?.headers['x-provider-token']).toBeUndefined();
    expect(srv.seen[1]?.headers['x-courier-message-id']).toBe('m-3');
  });

  it('takes the provider id from a repeated X-Message-Id header (the first)', async () => {
    srv.handler = (_req, res) => {
      res.setHeader('x-message-id', ['first', 'second']);
      res.end('');
    };
    const strategy = createHttpStrategy({ requestConfig: requestConfigSchema.parse({ url: `${base()}/send` }) });
    try {
      const result = await strategy.send({ id: 'm-2', type: 'sms', channel: 'sms', recipient: '+15550100', body: 'hi' });
      expect(result.providerMessageId).toBe('first');
    } finally {
      await strategy.close?.();
    }
  });
});
