/**
 * Every delivery strategy against the one conformance suite (test/support/conformance.ts),
 * each through its own harness on a real peer: the SMTP strategy on @courier/testkit's SMTP
 * sink, the HTTP strategy (Jsonnet body) on its HTTP sink, and the HTTP strategy as the
 * channel registry wires it for an SMS channel. Then the registry's own contract: unknown
 * channels and strategy names, and `verifyAll` naming the channel that failed.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startHttpSink, startSmtpSink, type HttpSink, type ReceivedMail, type RecordedRequest, type SinkResponse } from '@courier/testkit';
import { courierSectionSchema, requestConfigSchema, type CourierSection, type RequestConfig } from '../src/config/schema.js';
import { ConfigError, DeliveryError, TemplateError } from '../src/errors.js';
import { createHttpStrategy } from '../src/delivery/http/strategy.js';
import { createDeliveryChannels, createStrategyByName, DELIVERY_STRATEGY_NAMES, type DeliveryChannels } from '../src/delivery/registry.js';
import { createSmtpStrategy, type SmtpConfig } from '../src/delivery/smtp.js';
import { smtpSecretVariants } from '../src/delivery/smtp-errors.js';
import type { DeliveryStrategy } from '../src/delivery/strategy.js';
import {
  closedPort,
  defineDeliveryConformance,
  expectDeliveryError,
  expectSecretFree,
  startSilentListener,
  type ConformanceHarness,
  type ConformancePeer,
  type Delivery,
  type ExitProbe,
  type PeerAnswer,
  type SilentListener,
} from './support/conformance.js';

/** Absolute path of a source module, for the exit probe's child process. */
const sourcePath = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));

// ---------------------------------------------------------------------------------------
// SMTP
// ---------------------------------------------------------------------------------------

const SMTP_USER = 'courier-bot@mail.test';
const SMTP_PASSWORD = 'Sm7p:pa55/w@rd-never-logged';
const SMTP_SECRETS = smtpSecretVariants(SMTP_USER, SMTP_PASSWORD);

function smtpUri(port: number): string {
  return `smtp://${encodeURIComponent(SMTP_USER)}:${encodeURIComponent(SMTP_PASSWORD)}@127.0.0.1:${port}/?disable_starttls=true`;
}

function smtpConfig(port: number): SmtpConfig {
  return { connection_uri: smtpUri(port), from_address: 'courier@example.test', from_name: 'Courier', headers: {} };
}

/**
 * mailparser ends the text of a single-part text/plain message with a line break (the
 * one that closes every SMTP body); it is not the sender's content.
 */
function mailText(text: string | undefined): string {
  return (text ?? '').replace(/\n$/, '');
}

function smtpDelivery(mail: ReceivedMail): Delivery {
  const parsed = mail.parsed;
  if (parsed === undefined) throw new Error('the SMTP sink did not parse the message');
  const id = parsed.headers.get('x-courier-message-id');
  return {
    recipient: mail.envelope.to.join(', '),
    subject: parsed.subject,
    body: mailText(parsed.text),
    html: typeof parsed.html === 'string' ? parsed.html : undefined,
    messageId: typeof id === 'string' ? id : undefined,
  };
}

const smtpHarness: ConformanceHarness = {
  label: 'smtp (createSmtpStrategy, testkit SMTP sink with AUTH)',
  secrets: SMTP_SECRETS,
  carriesHtml: true,
  verifyContactsPeer: true,
  message: (n, overrides = {}) => ({
    id: `conf-smtp-${n}`,
    type: 'email',
    channel: 'email',
    recipient: `user${n}@example.test`,
    subject: `Subject ${n}`,
    body: `Plain body ${n}`,
    ...overrides,
  }),
  async start(): Promise<ConformancePeer> {
    // AUTH is required, so every accepted delivery proves the configured credentials were used.
    const sink = await startSmtpSink({ tls: 'none', auth: { user: SMTP_USER, pass: SMTP_PASSWORD } });
    const listeners: SilentListener[] = [];
    let contacts = 0;
    // By default the peer repeats the credentials it was given, briefly: a secret in the
    // server's reply must still be scrubbed from the error.
    const defaultEcho = `(auth ${SMTP_USER}:${SMTP_PASSWORD})`;
    const answer = (mode: PeerAnswer, echo = defaultEcho): void => {
      sink.setResponder(() => {
        contacts += 1;
        if (mode === 'refuse-transient') return { code: 451, message: `4.3.0 Greylisted, try again later ${echo}` };
        if (mode === 'refuse-permanent') return { code: 550, message: `5.1.1 Mailbox unavailable ${echo}` };
        return undefined;
      });
    };
    answer('accept');
    const build = (port: number): DeliveryStrategy => createSmtpStrategy({ smtp: smtpConfig(port) });
    return {
      createStrategy: () => build(sink.port),
      async createHungStrategy() {
        // testkit's SMTP sink answers every command synchronously and cannot be told to
        // stall, so the hung peer is a listener that accepts and never sends the greeting.
        const listener = await startSilentListener();
        listeners.push(listener);
        return { strategy: build(listener.port), reached: async () => listener.connected() };
      },
      createUnreachableStrategy: build,
      answer,
      deliveries: () => sink.received.map(smtpDelivery),
      waitForDeliveries: async (count, timeoutMs) => (await sink.waitFor(count, timeoutMs)).map(smtpDelivery),
      contacts: () => contacts,
      exitProbe: () => ({
        module: sourcePath('../src/delivery/smtp.ts'),
        build: 'm.createSmtpStrategy({ smtp: config })',
        config: smtpConfig(sink.port),
      }),
      async close() {
        await Promise.allSettled(listeners.map(async (l) => l.close()));
        await sink.close();
      },
    };
  },
};

// ---------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------

const HTTP_USER = 'courier';
const HTTP_PASSWORD = 'Http-pa55word-never-logged';
const HTTP_API_KEY = 'key-7c41f09e-never-logged';
const HTTP_BASIC = `Basic ${Buffer.from(`${HTTP_USER}:${HTTP_PASSWORD}`).toString('base64')}`;
const HTTP_SECRETS = [HTTP_PASSWORD, HTTP_API_KEY, Buffer.from(`${HTTP_USER}:${HTTP_PASSWORD}`).toString('base64')];

/** A provider-style Jsonnet body: reads the snake_case ctx, omits html when there is none. */
const BODY_TEMPLATE = `function(ctx) {
  to: ctx.recipient,
  subject: ctx.subject,
  text: ctx.body,
  [if 'html_body' in ctx then 'html']: ctx.html_body,
  kind: ctx.message_type,
}`;

function requestConfigInput(url: string): Record<string, unknown> {
  return {
    url,
    headers: { 'X-Api-Key': HTTP_API_KEY },
    auth: { type: 'basic_auth', config: { user: HTTP_USER, password: HTTP_PASSWORD } },
    body: `base64://${Buffer.from(BODY_TEMPLATE).toString('base64')}`,
  };
}

function httpDelivery(req: RecordedRequest): Delivery {
  const json = JSON.parse(req.body) as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const id = req.headers['x-courier-message-id'];
  return {
    recipient: str(json['to']) ?? '',
    // Kratos's ctx gives an absent subject as "" (Go's zero value).
    subject: str(json['subject']) === '' ? undefined : str(json['subject']),
    body: str(json['text']) ?? '',
    html: str(json['html']),
    messageId: typeof id === 'string' ? id : undefined,
  };
}

/** How one HTTP-based harness builds its strategy from a `request_config` (parsed or not). */
interface HttpVariant {
  readonly label: string;
  readonly carriesHtml: boolean;
  readonly message: ConformanceHarness['message'];
  /** Build the strategy; `track` receives anything besides the strategy that needs closing. */
  build(requestConfig: Record<string, unknown>, track: (channels: DeliveryChannels) => void): DeliveryStrategy;
  exitProbe(requestConfig: Record<string, unknown>): ExitProbe;
}

function httpHarness(variant: HttpVariant): ConformanceHarness {
  return {
    label: variant.label,
    secrets: HTTP_SECRETS,
    carriesHtml: variant.carriesHtml,
    verifyContactsPeer: false,
    message: variant.message,
    async start(): Promise<ConformancePeer> {
      const sink: HttpSink = await startHttpSink();
      const accepted: RecordedRequest[] = [];
      const registries: DeliveryChannels[] = [];
      let mode: PeerAnswer = 'accept';
      let echoed: string | undefined;
      let markHung: () => void = () => undefined;
      const hungReached = new Promise<void>((done) => {
        markHung = done;
      });
      sink.setResponder((req): SinkResponse => {
        if (req.url === '/hang') {
          markHung();
          // Far beyond timeout_ms: only the caller's abort can end this attempt in time.
          return { status: 200, delayMs: 60_000 };
        }
        if (req.headers.authorization !== HTTP_BASIC || req.headers['x-api-key'] !== HTTP_API_KEY) {
          return { status: 401, body: 'missing or wrong credentials' };
        }
        // By default refusals echo the credential headers, as some providers do: the strategy must scrub them.
        const echo = echoed ?? JSON.stringify({ authorization: req.headers.authorization, 'x-api-key': req.headers['x-api-key'] });
        if (mode === 'refuse-transient') return { status: 503, body: `{"error":"overloaded","request":${echo}}` };
        if (mode === 'refuse-permanent') return { status: 422, body: `{"error":"invalid recipient","request":${echo}}` };
        accepted.push(req);
        return { status: 202, headers: { 'content-type': 'application/json' }, body: `{"id":"prov-${accepted.length}"}` };
      });
      const build = (url: string): DeliveryStrategy => variant.build(requestConfigInput(url), (c) => registries.push(c));
      return {
        createStrategy: () => build(`${sink.url}/send`),
        async createHungStrategy() {
          return { strategy: build(`${sink.url}/hang`), reached: async () => hungReached };
        },
        createUnreachableStrategy: (port) => build(`http://127.0.0.1:${port}/send`),
        answer(next, echo) {
          mode = next;
          echoed = echo;
        },
        deliveries: () => accepted.map(httpDelivery),
        async waitForDeliveries(count, timeoutMs = 5_000) {
          const deadline = Date.now() + timeoutMs;
          while (accepted.length < count) {
            if (Date.now() > deadline) throw new Error(`HTTP sink: expected ${count} accepted request(s), got ${accepted.length}`);
            await new Promise((done) => setTimeout(done, 10));
          }
          return accepted.map(httpDelivery);
        },
        contacts: () => sink.count(),
        exitProbe: () => variant.exitProbe(requestConfigInput(`${sink.url}/send`)),
        async close() {
          await Promise.allSettled(registries.map(async (r) => r.closeAll()));
          await sink.close();
        },
      };
    },
  };
}

const emailMessage: ConformanceHarness['message'] = (n, overrides = {}) => ({
  id: `conf-http-${n}`,
  type: 'email',
  channel: 'email',
  recipient: `user${n}@example.test`,
  subject: `Subject ${n}`,
  body: `Plain body ${n}`,
  ...overrides,
});

const smsMessage: ConformanceHarness['message'] = (n, overrides = {}) => ({
  id: `conf-sms-${n}`,
  type: 'sms',
  channel: 'sms',
  recipient: `+1555${String(n).padStart(7, '0')}`,
  body: `Your code is ${String(100_000 + n)}`,
  ...overrides,
});

/** A `courier` section whose e-mail strategy is never contacted and whose `sms` channel posts to `requestConfig`. */
function smsCourierSection(requestConfig: Record<string, unknown>): CourierSection {
  return courierSectionSchema.parse({
    delivery_strategy: 'smtp',
    smtp: { connection_uri: 'smtp://127.0.0.1:1/?disable_starttls=true' },
    channels: [{ id: 'sms', type: 'http', request_config: requestConfig }],
  });
}

const httpEmailHarness = httpHarness({
  label: 'http (createHttpStrategy, Jsonnet body, testkit HTTP sink)',
  carriesHtml: true,
  message: emailMessage,
  build: (input) => createHttpStrategy({ requestConfig: requestConfigSchema.parse(input) }),
  exitProbe: (input) => ({
    module: sourcePath('../src/delivery/http/strategy.ts'),
    build: 'm.createHttpStrategy({ requestConfig: config })',
    config: requestConfigSchema.parse(input) satisfies RequestConfig,
  }),
});

const smsChannelHarness = httpHarness({
  label: 'http:sms (the sms channel from createDeliveryChannels, testkit HTTP sink)',
  carriesHtml: false,
  message: smsMessage,
  build(input, track) {
    const channels = createDeliveryChannels(smsCourierSection(input));
    track(channels);
    return channels.get('sms');
  },
  exitProbe: (input) => ({
    module: sourcePath('../src/delivery/registry.ts'),
    build: "m.createDeliveryChannels(config).get('sms')",
    config: smsCourierSection(input),
  }),
});

defineDeliveryConformance(smtpHarness);
defineDeliveryConformance(httpEmailHarness);
defineDeliveryConformance(smsChannelHarness);

// ---------------------------------------------------------------------------------------
// The channel registry's own contract
// ---------------------------------------------------------------------------------------

describe('delivery channel registry', () => {
  const opened: DeliveryChannels[] = [];
  const sinks: { close(): Promise<void> }[] = [];

  const channels = (courier: CourierSection): DeliveryChannels => {
    const c = createDeliveryChannels(courier);
    opened.push(c);
    return c;
  };
  const cleanup = async (): Promise<void> => {
    await Promise.allSettled(opened.splice(0).map(async (c) => c.closeAll()));
    await Promise.allSettled(sinks.splice(0).map(async (s) => s.close()));
  };
  afterEach(cleanup);
  afterAll(cleanup);

  const goodTemplate = `base64://${Buffer.from(BODY_TEMPLATE).toString('base64')}`;
  const brokenTemplate = `base64://${Buffer.from('function(ctx) { to: ctx.recipient, text: }').toString('base64')}`;

  it('addresses the e-mail strategy and each configured channel by id, and refuses an unknown channel permanently', async () => {
    const sink = await startSmtpSink();
    sinks.push(sink);
    const c = channels(
      courierSectionSchema.parse({
        smtp: { connection_uri: `smtp://127.0.0.1:${sink.port}/?disable_starttls=true` },
        channels: [{ id: 'sms', type: 'http', request_config: { url: 'http://127.0.0.1:1/send', body: goodTemplate } }],
      }),
    );

    expect(c.ids).toEqual(['email', 'sms']);
    expect(c.get('email').name).toBe('smtp');
    expect(c.get('sms').name).toBe('http:sms');
    expect(c.has('push')).toBe(false);
    let caught: unknown;
    try {
      c.get('push');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DeliveryError);
    const err = caught as DeliveryError;
    expect(err.code).toBe('UNKNOWN_CHANNEL');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('"push"');
    expect(err.message).toContain('email, sms');
    // The e-mail channel is the real SMTP strategy, wired to the configured server.
    await c.get('email').send({ id: 'reg-1', type: 'email', channel: 'email', recipient: 'a@example.test', subject: 's', body: 'b' });
    expect(sink.count()).toBe(1);
  });

  it('rejects an unknown strategy name with a ConfigError listing the valid names', () => {
    const courier = courierSectionSchema.parse({ smtp: { connection_uri: 'smtp://127.0.0.1:1/?disable_starttls=true' } });
    let caught: unknown;
    try {
      createStrategyByName('sendgrid', courier);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const err = caught as ConfigError;
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]?.path).toBe('courier.delivery_strategy');
    expect(err.issues[0]?.message).toContain('"sendgrid"');
    expect(DELIVERY_STRATEGY_NAMES).toEqual(expect.arrayContaining(['smtp', 'http']));
    for (const name of DELIVERY_STRATEGY_NAMES) expect(err.message).toContain(name);
  });

  it('creates each known strategy by name', async () => {
    const courier = courierSectionSchema.parse({
      smtp: { connection_uri: 'smtp://127.0.0.1:1/?disable_starttls=true' },
      http: { request_config: { url: 'http://127.0.0.1:1/send', body: goodTemplate } },
    });
    const created = DELIVERY_STRATEGY_NAMES.map((name) => createStrategyByName(name, courier));
    try {
      expect(created.map((s) => s.name)).toEqual([...DELIVERY_STRATEGY_NAMES]);
    } finally {
      await Promise.allSettled(created.map(async (s) => s.close?.()));
    }
  });

  it('verifyAll() resolves when every channel verifies', async () => {
    const smtp = await startSmtpSink({ auth: { user: SMTP_USER, pass: SMTP_PASSWORD } });
    const http = await startHttpSink();
    sinks.push(smtp, http);
    const c = channels(
      courierSectionSchema.parse({
        smtp: { connection_uri: smtpUri(smtp.port) },
        channels: [{ id: 'sms', type: 'http', request_config: { url: `${http.url}/send`, body: goodTemplate } }],
      }),
    );

    await expect(c.verifyAll()).resolves.toBeUndefined();
    expect(http.count()).toBe(0);
    expect(smtp.count()).toBe(0);
  });

  it('verifyAll() names the e-mail channel when its SMTP server is unreachable, without leaking the password', async () => {
    const port = await closedPort();
    const c = channels(
      courierSectionSchema.parse({
        smtp: { connection_uri: smtpUri(port) },
        channels: [{ id: 'sms', type: 'http', request_config: { url: 'http://127.0.0.1:1/send', body: goodTemplate } }],
      }),
    );

    const err = await expectDeliveryError(c.verifyAll());
    expect(err.code).toBe('VERIFY_FAILED');
    expect(err.message).toContain('channel "email"');
    expect(err.message).not.toContain('channel "sms"');
    expect(err.cause).toBeInstanceOf(DeliveryError);
    expect((err.cause as DeliveryError).retryable).toBe(true);
    expectSecretFree(err, SMTP_SECRETS);
  });

  it('verifyAll() names the SMS channel whose body template does not compile, without contacting its provider', async () => {
    const smtp = await startSmtpSink();
    const http = await startHttpSink();
    sinks.push(smtp, http);
    const c = channels(
      courierSectionSchema.parse({
        smtp: { connection_uri: `smtp://127.0.0.1:${smtp.port}/?disable_starttls=true` },
        channels: [{ id: 'sms', type: 'http', request_config: { ...requestConfigInput(`${http.url}/send`), body: brokenTemplate } }],
      }),
    );

    const err = await expectDeliveryError(c.verifyAll());
    expect(err.code).toBe('VERIFY_FAILED');
    expect(err.message).toContain('channel "sms"');
    expect(err.message).not.toContain('channel "email"');
    expect(err.cause).toBeInstanceOf(TemplateError);
    expect((err.cause as TemplateError).code).toBe('TEMPLATE_COMPILE_FAILED');
    expectSecretFree(err, HTTP_SECRETS);
    expect(http.count()).toBe(0);
  });
});
