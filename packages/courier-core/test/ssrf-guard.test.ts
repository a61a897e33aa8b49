/**
 * The private IP guard (`clients.http.disallow_private_ip_ranges`, Kratos's SSRF
 * protection) against real loopback peers: off by default, so a loopback sink is
 * reached; on, every loopback form (IPv4 literal, `localhost`, `[::1]`,
 * IPv4-mapped IPv6) is refused before any byte reaches the sink, with a permanent
 * error that names the host and never a credential.
 *
 * Only loopback addresses are ever connected to. Private, link-local and other
 * ranges are covered by the pure classifier tests, which touch no network.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHttpSink, startSmtpSink, type HttpSink } from '@courier/testkit';
import { configSchema, courierSectionSchema, requestConfigSchema } from '../src/config/schema.js';
import { envKeys } from '../src/config/env.js';
import { loadConfig, parseConfig } from '../src/config/load.js';
import { ConfigError, DeliveryError, TemplateError, summarizeError } from '../src/errors.js';
import { createHttpStrategy } from '../src/delivery/http/strategy.js';
import { createDeliveryChannels } from '../src/delivery/registry.js';
import type { DeliveryStrategy, OutboundMessage } from '../src/delivery/strategy.js';
import { createTemplateRegistry } from '../src/templates/registry/create.js';
import { loadUri } from '../src/uri/load-uri.js';
import { disallowedRangeOf, isIpLiteral } from '../src/net/address-ranges.js';
import { createGuardedLookup, DisallowedAddressError, findDisallowedAddressError, resolveAllowedAddresses } from '../src/net/address-guard.js';
import { createGuardedAgent, lazyAgent } from '../src/net/guarded-agent.js';
import { createHttpRequest, outboundRequest } from '../src/net/http-client.js';
import { globToRegExp, outboundOptionsFor } from '../src/net/ip-exceptions.js';

const PASSWORD = 'ssrf-basic-pw-71c9e0';
const API_KEY = 'ssrf-api-key-5d02aa41';
const CODE = '908172';

let sink: HttpSink;
/** A second sink on the IPv6 loopback, so `[::1]` has something real to reach. */
let sink6: { server: Server; port: number; hits: number };
const strategies: DeliveryStrategy[] = [];

beforeAll(async () => {
  sink = await startHttpSink();
  sink.setResponder(() => ({ status: 200, body: '{"id":"prov-1"}' }));
  const server = createServer((req, res) => {
    sink6.hits++;
    req.resume();
    res.end('{"id":"v6"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '::1', () => resolve());
  });
  sink6 = { server, port: (server.address() as AddressInfo).port, hits: 0 };
});

afterAll(async () => {
  await sink.close();
  await new Promise<void>((resolve) => {
    sink6.server.close(() => resolve());
    sink6.server.closeAllConnections();
  });
});

afterEach(async () => {
  sink.reset();
  sink.setResponder(() => ({ status: 200, body: '{"id":"prov-1"}' }));
  sink6.hits = 0;
  await Promise.all(
    strategies.splice(0).map(async (s) => {
      await s.close?.();
    }),
  );
});

function message(over: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    id: 'msg-ssrf-1',
    type: 'sms',
    channel: 'sms',
    recipient: '+15550100',
    body: `Your code is ${CODE}`,
    template_type: 'login_code_valid',
    template_data: { login_code: CODE },
    ...over,
  };
}

function strategy(url: string, guarded: boolean | undefined, extra: Record<string, unknown> = {}): DeliveryStrategy {
  const requestConfig = requestConfigSchema.parse({
    url,
    auth: { type: 'basic_auth', config: { user: 'courier', password: PASSWORD } },
    headers: { 'X-Api-Key': API_KEY },
    timeout_ms: 3_000,
    ...extra,
  });
  const s = createHttpStrategy(guarded === undefined ? { requestConfig } : { requestConfig, disallowPrivateIpRanges: guarded });
  strategies.push(s);
  return s;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('address classification (no network)', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.254', 'shared (CGNAT)'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['192.0.2.10', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::FFFF:10.1.2.3', 'private'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:0:192.168.0.1', 'private'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
    ['::127.0.0.1', 'reserved'],
    ['100::1', 'reserved'],
    ['2001::1', 'reserved'],
  ])('%s is %s', (address, range) => {
    expect(disallowedRangeOf(address)).toBe(range);
  });

  it.each(['8.8.8.8', '1.1.1.1', '100.128.0.1', '172.32.0.1', '11.0.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2002:808:808::1', '64:ff9b::808:808'])(
    '%s is public',
    (address) => {
      expect(disallowedRangeOf(address)).toBeUndefined();
    },
  );

  it('tells IP literals from names and refuses to classify a name', () => {
    expect(isIpLiteral('127.0.0.1')).toBe(true);
    expect(isIpLiteral('[::1]')).toBe(true);
    expect(isIpLiteral('localhost')).toBe(false);
    expect(isIpLiteral('example.com')).toBe(false);
    expect(() => disallowedRangeOf('localhost')).toThrow(TypeError);
  });
});

describe('configuration', () => {
  it('is off by default, read from clients.http.disallow_private_ip_ranges as in Kratos, and settable from the environment', () => {
    const base = { courier: { smtp: { connection_uri: 'smtp://127.0.0.1:1025/' } } };
    expect(parseConfig(base).clients.http.disallow_private_ip_ranges).toBe(false);
    const on = parseConfig({ ...base, clients: { http: { disallow_private_ip_ranges: true }, web_hook: { header_allowlist: ['X'] } } });
    expect(on.clients.http.disallow_private_ip_ranges).toBe(true);
    expect(envKeys(configSchema).map((k) => k.variable)).toContain('CLIENTS_HTTP_DISALLOW_PRIVATE_IP_RANGES');
    const fromEnv = loadConfig({
      env: { COURIER_SMTP_CONNECTION_URI: 'smtp://127.0.0.1:1025/', CLIENTS_HTTP_DISALLOW_PRIVATE_IP_RANGES: 'true' },
    });
    expect(fromEnv.clients.http.disallow_private_ip_ranges).toBe(true);
  });

  it("names a mistyped key and a wrong type; takes Kratos's exception list and SMTP guard", () => {
    const base = { courier: { smtp: { connection_uri: 'smtp://127.0.0.1:1025/' } } };
    const issues = (raw: unknown): string[] => {
      try {
        parseConfig(raw);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
      }
      return [];
    };
    const paths = (raw: unknown): string[] => issues(raw).map((i) => i.split(':')[0] ?? '');
    // An unknown key is reported at its section, naming the key.
    const typo = issues({ ...base, clients: { http: { disalow_private_ip_ranges: true } } });
    expect(typo).toHaveLength(1);
    expect(typo[0]).toMatch(/^clients\.http: .*disalow_private_ip_ranges/);
    expect(paths({ ...base, clients: { http: { disallow_private_ip_ranges: 'yes' } } })).toEqual(['clients.http.disallow_private_ip_ranges']);
    expect(
      paths({ ...base, clients: { http: { disallow_private_ip_ranges: true, private_ip_exception_urls: ['http://10.0.0.1/'] }, smtp: { disallow_private_ip_ranges: true } } }),
    ).toEqual([]);
    expect(paths({ ...base, clients: { smtp: { disallow_private_ip_ranges: 'yes' } } })).toEqual(['clients.smtp.disallow_private_ip_ranges']);
  });
});

describe('HTTP delivery', () => {
  it('reaches a loopback provider when the guard is off (the default)', async () => {
    await expect(strategy(`${sink.url}/sms`, undefined).send(message())).resolves.toMatchObject({ providerMessageId: 'prov-1' });
    await expect(strategy(`${sink.url}/sms`, false).send(message())).resolves.toMatchObject({ providerMessageId: 'prov-1' });
    await expect(strategy(`http://localhost:${sink.port}/sms`, false).send(message())).resolves.toBeDefined();
    await expect(strategy(`http://[::ffff:127.0.0.1]:${sink.port}/sms`, false).send(message())).resolves.toBeDefined();
    expect(sink.count()).toBe(4);
    await expect(strategy(`http://[::1]:${sink6.port}/sms`, false).send(message())).resolves.toMatchObject({ providerMessageId: 'v6' });
    expect(sink6.hits).toBe(1);
  });

  it.each([
    ['an IPv4 loopback literal', () => `${sink.url}/sms`, '127.0.0.1 is a loopback address'],
    ['another 127/8 literal', () => `http://127.3.2.1:${sink.port}/sms`, '127.3.2.1 is a loopback address'],
    ['localhost', () => `http://localhost:${sink.port}/sms`, 'localhost resolves to 127.0.0.1, a loopback address'],
    ['the IPv6 loopback', () => `http://[::1]:${sink6.port}/sms`, '::1 is a loopback address'],
    ['an IPv4-mapped IPv6 loopback', () => `http://[::ffff:127.0.0.1]:${sink.port}/sms`, '::ffff:7f00:1 (carrying IPv4 127.0.0.1) is a loopback address'],
    ['the unspecified address', () => `http://0.0.0.0:${sink.port}/sms`, '0.0.0.0 is an unspecified address'],
  ])('refuses %s before any request is sent, permanently, naming the host', async (_what, url, reason) => {
    const target = new URL(url());
    const err = await rejection(strategy(target.href, true).send(message()));
    expect(err).toBeInstanceOf(DeliveryError);
    const e = err as DeliveryError;
    expect(e.code).toBe('HTTP_ADDRESS_DISALLOWED');
    expect(e.retryable).toBe(false);
    expect(summarizeError(e)).toMatchObject({ code: 'HTTP_ADDRESS_DISALLOWED', retryable: false });
    expect(e.message).toContain(`POST ${target.host}`);
    expect(e.message).toContain(reason);
    expect(e.message).toContain('clients.http.disallow_private_ip_ranges');
    for (const secret of [PASSWORD, API_KEY, CODE, Buffer.from(`courier:${PASSWORD}`).toString('base64')]) {
      expect(e.message).not.toContain(secret);
    }
    expect(findDisallowedAddressError(e)).toBeInstanceOf(DisallowedAddressError);
    expect(sink.count()).toBe(0);
    expect(sink6.hits).toBe(0);
  });

  it('reports a refused provider host from verify(), so a worker is not ready with it', async () => {
    const err = await rejection(strategy(`http://localhost:${sink.port}/sms`, true).verify!());
    expect(err).toMatchObject({ code: 'HTTP_ADDRESS_DISALLOWED', retryable: false });
    await expect(strategy(`http://localhost:${sink.port}/sms`, false).verify!()).resolves.toBeUndefined();
    expect(sink.count()).toBe(0);
  });

  it('is passed to every channel by createDeliveryChannels', async () => {
    const courier = courierSectionSchema.parse({
      delivery_strategy: 'http',
      http: { request_config: { url: `${sink.url}/mail` } },
      channels: [{ id: 'sms', type: 'http', request_config: { url: `http://localhost:${sink.port}/sms` } }],
    });
    const guarded = createDeliveryChannels(courier, { disallowPrivateIpRanges: true });
    const open = createDeliveryChannels(courier);
    try {
      await expect(guarded.get('email').send(message({ type: 'email', channel: 'email', subject: 'Hi' }))).rejects.toMatchObject({
        code: 'HTTP_ADDRESS_DISALLOWED',
      });
      await expect(guarded.get('sms').send(message())).rejects.toMatchObject({ code: 'HTTP_ADDRESS_DISALLOWED' });
      expect(sink.count()).toBe(0);
      await open.get('sms').send(message());
      expect(sink.count()).toBe(1);
    } finally {
      await guarded.closeAll();
      await open.closeAll();
    }
  });

  it('refuses an http(s):// Jsonnet body template on a loopback host, permanently, and fetches nothing', async () => {
    sink.setResponder((req) => (req.url === '/body.jsonnet' ? { status: 200, body: 'function(ctx) { to: ctx.recipient }' } : { status: 200 }));
    const bodyUrl = `http://127.0.0.1:${sink.port}/body.jsonnet`;
    const err = await rejection(strategy(`${sink.url}/sms`, true, { body: bodyUrl }).send(message()));
    expect(err).toMatchObject({ code: 'TEMPLATE_URL_DISALLOWED', retryable: false });
    expect((err as Error).message).toContain('127.0.0.1 is a loopback address');
    expect(sink.count()).toBe(0);
    // Control: the same template loads and the message goes out with the guard off.
    await strategy(`${sink.url}/sms`, false, { body: bodyUrl }).send(message());
    expect(sink.requests.map((r) => r.url)).toEqual(['/body.jsonnet', '/sms']);
  });
});

describe("Kratos's exception list (clients.http.private_ip_exception_urls)", () => {
  it('matches Ory globs against the URL without query and fragment', () => {
    const on = { disallowPrivateIpRanges: true };
    const guardOf = (globs: string[], url: string): boolean | undefined => outboundOptionsFor({ ...on, privateIpExceptionUrls: globs }, new URL(url)).disallowPrivateIpRanges;
    expect(guardOf(['http://127.0.0.1:8080/sms'], 'http://127.0.0.1:8080/sms?x=1#f')).toBe(false);
    expect(guardOf(['http://127.0.0.1:8080/sms'], 'http://127.0.0.1:8080/sms/other')).toBe(true);
    expect(guardOf(['http://*.internal/**'], 'http://mailer.internal/a/b')).toBe(false);
    expect(guardOf(['http://*.internal/**'], 'http://a.b.internal/a')).toBe(true);
    expect(guardOf(['http://{a,b}.internal/?'], 'http://b.internal/x')).toBe(false);
    expect(globToRegExp('http://h/[!x]').test('http://h/y')).toBe(true);
    expect(globToRegExp('http://h/[!x]').test('http://h/x')).toBe(false);
    // Without the guard the list changes nothing.
    expect(outboundOptionsFor({ privateIpExceptionUrls: ['http://a/'] }, new URL('http://a/'))).toEqual({ privateIpExceptionUrls: ['http://a/'] });
  });

  it('lets a listed loopback provider through with the guard on, and refuses one that is not listed', async () => {
    const listed = createHttpStrategy({
      requestConfig: requestConfigSchema.parse({ url: `${sink.url}/sms` }),
      disallowPrivateIpRanges: true,
      privateIpExceptionUrls: [`${sink.url}/sms`],
    });
    const other = createHttpStrategy({
      requestConfig: requestConfigSchema.parse({ url: `${sink.url}/other` }),
      disallowPrivateIpRanges: true,
      privateIpExceptionUrls: [`${sink.url}/sms`],
    });
    strategies.push(listed, other);
    await expect(listed.send(message())).resolves.toMatchObject({ providerMessageId: 'prov-1' });
    await expect(other.send(message())).rejects.toMatchObject({ code: 'HTTP_ADDRESS_DISALLOWED' });
    expect(sink.requests.map((r) => r.url)).toEqual(['/sms']);
  });
});

describe('SMTP server (clients.smtp.disallow_private_ip_ranges)', () => {
  it('refuses a loopback SMTP server permanently before connecting, naming the key; reaches it with the guard off', async () => {
    const smtp = await startSmtpSink({ tls: 'none' });
    const courier = courierSectionSchema.parse({ smtp: { connection_uri: `smtp://localhost:${smtp.port}/?disable_starttls=true`, from_address: 'a@example.com' } });
    const guarded = createDeliveryChannels(courier, { disallowPrivateSmtpRanges: true });
    const open = createDeliveryChannels(courier);
    const mail = message({ type: 'email', channel: 'email', recipient: 'r@example.com', subject: 'Hi' });
    try {
      const err = await rejection(guarded.get('email').send(mail));
      expect(err).toMatchObject({ code: 'ADDRESS_DISALLOWED', retryable: false });
      expect((err as Error).message).toContain('localhost resolves to 127.0.0.1, a loopback address, and clients.smtp.disallow_private_ip_ranges is true');
      await expect(guarded.verifyAll()).rejects.toMatchObject({ code: 'VERIFY_FAILED' });
      expect(smtp.received).toHaveLength(0);
      await open.get('email').send(mail);
      expect(smtp.received).toHaveLength(1);
    } finally {
      await guarded.closeAll();
      await open.closeAll();
      await smtp.close();
    }
  });
});

describe('template URLs', () => {
  it('loadUri refuses a loopback http:// template with the guard on and loads it with the guard off', async () => {
    sink.setResponder(() => ({ status: 200, body: 'Hello {{to}}' }));
    const uri = `http://localhost:${sink.port}/t.hbs`;
    const err = await rejection(loadUri(uri, 2_000, { disallowPrivateIpRanges: true }));
    expect(err).toBeInstanceOf(TemplateError);
    expect(err).toMatchObject({ code: 'TEMPLATE_URL_DISALLOWED' });
    expect((err as Error).message).toContain(`cannot fetch template http://localhost:${sink.port}/t.hbs`);
    expect((err as Error).message).toContain('localhost resolves to 127.0.0.1');
    expect(sink.count()).toBe(0);
    await expect(loadUri(uri, 2_000)).resolves.toMatchObject({ text: 'Hello {{to}}' });
    expect(sink.count()).toBe(1);
  });

  it('the template registry refuses at preload, naming the template and the host, without a query-string secret', async () => {
    sink.setResponder(() => ({ status: 200, body: 'Your code: {{login_code}}' }));
    const templates = { login_code: { valid: { sms: { body: { plaintext: `http://[::1]:${sink6.port}/sms.hbs?token=${API_KEY}` } } } } };
    const err = await rejection(createTemplateRegistry({ templates, disallowPrivateIpRanges: true }).preload());
    expect(err).toBeInstanceOf(TemplateError);
    const e = err as TemplateError;
    expect(e.code).toBe('TEMPLATE_URL_DISALLOWED');
    expect(e.message).toContain('courier.templates.login_code.valid.sms.body.plaintext');
    expect(e.message).toContain('::1 is a loopback address');
    expect(e.message).not.toContain(API_KEY);
    expect(sink6.hits).toBe(0);
    await expect(createTemplateRegistry({ templates }).preload()).resolves.toBeUndefined();
    expect(sink6.hits).toBe(1);
  });
});

describe('the guarded connection path', () => {
  // A policy that lets exactly 127.0.0.1 through stands in for "a public address",
  // so the allowed path is exercised without leaving the loopback interface.
  const only127 = (address: string) => (address === '127.0.0.1' ? undefined : disallowedRangeOf(address));

  it('sends requests and reads answers through the guarded agent when the address is allowed', async () => {
    sink.setResponder((req) => ({ status: 201, headers: { 'x-echo': String(req.headers['x-test'] ?? 'none') }, body: `got ${req.body}` }));
    const guardedRequest = createHttpRequest(lazyAgent(() => createGuardedAgent(only127)));
    const res = await guardedRequest(new URL(`${sink.url}/x`), { method: 'POST', headers: { 'x-test': 'yes' }, body: 'payload' });
    expect(res.status).toBe(201);
    expect(res.headers['x-echo']).toBe('yes');
    expect(await res.text(1_000)).toBe('got payload');
    // By name too: localhost resolves to 127.0.0.1 here.
    const byName = await guardedRequest(new URL(`http://localhost:${sink.port}/y`), { method: 'GET', headers: {} });
    byName.discard();
    expect(byName.status).toBe(201);
    expect(sink.count()).toBe(2);
  });

  it('checks the target of every redirect: a hop to a refused address fails and is never requested', async () => {
    sink.setResponder((req) => (req.url === '/hop' ? { status: 302, headers: { location: `http://[::1]:${sink6.port}/inner` } } : { status: 200, body: 'ok' }));
    const guardedRequest = createHttpRequest(lazyAgent(() => createGuardedAgent(only127)));
    const err = await rejection(guardedRequest(new URL(`${sink.url}/hop`), { method: 'GET', headers: {} }));
    expect(findDisallowedAddressError(err)?.message).toContain('::1 is a loopback address');
    expect(sink.count()).toBe(1);
    expect(sink6.hits).toBe(0);
    // Control: unguarded, the redirect is followed to the IPv6 sink.
    const followed = await outboundRequest({ disallowPrivateIpRanges: false })(new URL(`${sink.url}/hop`), { method: 'GET', headers: {} });
    followed.discard();
    expect(followed.status).toBe(200);
    expect(sink6.hits).toBe(1);
  });

  it('refuses a name when any one of its addresses is refused, and resolves with every checked address otherwise', async () => {
    const err = await rejection(resolveAllowedAddresses('localhost', {}, (a) => (a.startsWith('127.') ? 'loopback' : undefined)));
    expect(err).toBeInstanceOf(DisallowedAddressError);
    expect(err).toMatchObject({ host: 'localhost', address: '127.0.0.1', range: 'loopback', code: 'ADDRESS_DISALLOWED' });
    await expect(resolveAllowedAddresses('localhost', {}, () => undefined)).resolves.toEqual(expect.arrayContaining([{ address: '127.0.0.1', family: 4 }]));
  });

  it('answers net.connect lookups in both shapes, and with the refusal', async () => {
    const lookup = createGuardedLookup(() => undefined);
    const single = await new Promise<[string, number | undefined]>((resolve, reject) =>
      lookup('localhost', { family: 4 }, (err, address, family) => (err ? reject(err) : resolve([address as string, family]))),
    );
    expect(single).toEqual(['127.0.0.1', 4]);
    const all = await new Promise<unknown>((resolve, reject) => lookup('localhost', { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));
    expect(all).toEqual(expect.arrayContaining([{ address: '127.0.0.1', family: 4 }]));
    const refused = await new Promise<unknown>((resolve) => createGuardedLookup()('localhost', { all: true }, (err) => resolve(err)));
    expect(refused).toBeInstanceOf(DisallowedAddressError);
  });
});
