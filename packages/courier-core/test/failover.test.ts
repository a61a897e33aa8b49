/**
 * Failover through the channels of a configuration, against real peers: two SMTP
 * sinks and an HTTP sink, the channels built by createDeliveryChannels with the
 * breakers on an injected clock. The router's own rules (types, aborts, every circuit
 * open) with stand-in strategies at the end.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHttpSink, startSmtpSink, type HttpSink, type SmtpSink } from '@courier/testkit';
import { courierSectionSchema } from '../src/config/schema.js';
import { DeliveryError } from '../src/errors.js';
import { createCircuitBreaker, type CircuitState } from '../src/delivery/circuit-breaker.js';
import { createFailoverStrategy, failureRouteOf, routeDispatchFields, type ChannelOutcome, type FailoverLink } from '../src/delivery/failover.js';
import { createDeliveryChannels, type DeliveryChannels } from '../src/delivery/registry.js';
import type { DeliveryStrategy, OutboundMessage } from '../src/delivery/strategy.js';

let primary: SmtpSink;
let backup: SmtpSink;
let http: HttpSink;
const opened: DeliveryChannels[] = [];

beforeAll(async () => {
  [primary, backup, http] = await Promise.all([startSmtpSink({ tls: 'none' }), startSmtpSink({ tls: 'none' }), startHttpSink()]);
});

afterEach(async () => {
  for (const c of opened.splice(0)) await c.closeAll();
  primary.setResponder(undefined);
  backup.setResponder(undefined);
  http.setResponder(() => undefined);
});

afterAll(async () => {
  await Promise.all([primary.close(), backup.close(), http.close()]);
});

const smtpUri = (sink: SmtpSink) => `smtp://127.0.0.1:${sink.port}/?disable_starttls=true`;

function setup(extra: Record<string, unknown> = {}) {
  let t = 1_000_000;
  const events: string[] = [];
  const states = new Map<string, CircuitState>();
  const courier = courierSectionSchema.parse({
    smtp: { connection_uri: smtpUri(primary), from_address: 'courier@primary.example' },
    fallback: ['backup'],
    channels: [
      { id: 'backup', type: 'smtp', smtp: { connection_uri: smtpUri(backup), from_address: 'courier@backup.example' }, fallback: ['mail-api'] },
      { id: 'mail-api', type: 'http', request_config: { url: `${http.url}/send` } },
    ],
    circuit_breaker: { failure_threshold: 2, window_ms: 60_000, open_ms: 10_000 },
    ...extra,
  });
  const channels = createDeliveryChannels(courier, {
    failover: {
      now: () => t,
      observer: {
        attempt: (channel, outcome: ChannelOutcome) => events.push(`${channel}:${outcome}`),
        circuit: (channel, state) => states.set(channel, state),
        failover: (from, to) => events.push(`${from}->${to}`),
      },
    },
  });
  opened.push(channels);
  return { channels, events, states, advance: (ms: number) => (t += ms) };
}

let n = 0;
function email(): OutboundMessage {
  n += 1;
  return { id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, type: 'email', channel: 'email', recipient: `user${n}@example.com`, subject: 'Hi', body: 'hello' };
}

const greylist = () => ({ code: 451, message: '4.7.1 try again later' });

describe('failover through configured channels (real SMTP and HTTP sinks)', () => {
  it('sends through the backup SMTP channel when the primary answers 451, with the same Message-ID, and says so', async () => {
    const { channels, events } = setup();
    primary.setResponder(greylist);
    const m = email();
    const result = await channels.get('email').send(m);
    expect(result.route).toEqual({ channel: 'backup', failed: [{ channel: 'email', code: 'SMTP_TRANSIENT' }] });
    expect(routeDispatchFields(result.route)).toEqual({ channel: 'backup', failed_channels: [{ channel: 'email', code: 'SMTP_TRANSIENT' }] });
    const mails = backup.received.filter((r) => r.envelope.to.includes(m.recipient));
    expect(mails).toHaveLength(1);
    expect(primary.received.some((r) => r.envelope.to.includes(m.recipient))).toBe(false);
    // Same message on every channel: the Message-ID uses the default channel's domain.
    expect(mails[0]?.parsed?.messageId).toBe(`<${m.id}@primary.example>`);
    expect(result.providerMessageId).toBe(`<${m.id}@primary.example>`);
    expect(mails[0]?.raw).toContain(`X-Courier-Message-Id: ${m.id}`);
    // The backup's own from address.
    expect(mails[0]?.envelope.from).toBe('courier@backup.example');
    expect(events).toEqual(['email:transient', 'email->backup', 'backup:success']);
  });

  it('goes on along the chain (fallbacks of fallbacks) to the HTTP channel, carrying the message id as idempotency key', async () => {
    const { channels } = setup();
    primary.setResponder(greylist);
    backup.setResponder(() => ({ code: 421, message: '4.3.2 shutting down' }));
    const m = email();
    const before = http.count();
    const result = await channels.get('email').send(m);
    expect(result.route).toEqual({
      channel: 'mail-api',
      failed: [
        { channel: 'email', code: 'SMTP_TRANSIENT' },
        { channel: 'backup', code: 'SMTP_TRANSIENT' },
      ],
    });
    const req = (await http.waitFor(before + 1)).at(-1);
    expect(req?.headers['idempotency-key']).toBe(m.id);
    expect(JSON.parse(req?.body ?? '{}')).toMatchObject({ recipient: m.recipient });
  });

  it('does not fail over on a permanent failure (550): the recipient is refused everywhere', async () => {
    const { channels, events } = setup();
    primary.setResponder(() => ({ code: 550, message: '5.1.1 no such user' }));
    const m = email();
    const err = await channels
      .get('email')
      .send(m)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).code).toBe('SMTP_PERMANENT');
    expect(failureRouteOf(err)).toEqual({ channel: 'email', failed: [] });
    expect(backup.received.some((r) => r.envelope.to.includes(m.recipient))).toBe(false);
    expect(events).toEqual(['email:permanent']);
  });

  it('opens the circuit after failure_threshold failures, then goes straight to the fallback; after open_ms a probe to the recovered primary closes it', async () => {
    const { channels, events, states, advance } = setup();
    primary.setResponder(greylist);
    await channels.get('email').send(email());
    await channels.get('email').send(email());
    expect(states.get('email')).toBe('open');

    const primaryCount = primary.received.length;
    let primaryTouched = 0;
    primary.setResponder(() => {
      primaryTouched += 1;
      return greylist();
    });
    events.length = 0;
    const skipped = await channels.get('email').send(email());
    expect(skipped.route).toEqual({ channel: 'backup', failed: [{ channel: 'email', code: 'CHANNEL_CIRCUIT_OPEN' }] });
    expect(primaryTouched).toBe(0);
    expect(events).toEqual(['email:skipped', 'backup:success']);

    // The primary recovers; the open period passes; the next message probes it.
    primary.setResponder(undefined);
    advance(10_000);
    const m = email();
    const probed = await channels.get('email').send(m);
    expect(probed.route).toEqual({ channel: 'email', failed: [] });
    expect(states.get('email')).toBe('closed');
    expect(primary.received.length).toBe(primaryCount + 1);
    expect(primary.received.at(-1)?.envelope.to).toEqual([m.recipient]);
  });

  it('fails the attempt with the last error and the whole route when every channel fails transiently', async () => {
    const { channels } = setup();
    primary.setResponder(greylist);
    backup.setResponder(greylist);
    http.setResponder(() => ({ status: 503, body: 'down' }));
    const err = await channels
      .get('email')
      .send(email())
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((err as DeliveryError).code).toBe('HTTP_STATUS_RETRYABLE');
    expect((err as DeliveryError).retryable).toBe(true);
    expect(failureRouteOf(err)).toEqual({
      channel: 'mail-api',
      failed: [
        { channel: 'email', code: 'SMTP_TRANSIENT' },
        { channel: 'backup', code: 'SMTP_TRANSIENT' },
      ],
    });
  });

  it('leaves a channel without fallbacks as it was: no router, no route', async () => {
    const { channels } = setup();
    const result = await channels.get('mail-api').send({ ...email(), channel: 'mail-api' });
    expect(result.route).toBeUndefined();
    expect(channels.ids).toEqual(['email', 'backup', 'mail-api']);
  });
});

/** A stand-in strategy that fails as told. */
function stub(id: string, fail?: () => Error): DeliveryStrategy & { calls: number } {
  const s = {
    name: id,
    calls: 0,
    send() {
      s.calls += 1;
      return fail === undefined ? Promise.resolve({ providerMessageId: id }) : Promise.reject(fail());
    },
  };
  return s;
}

function link(id: string, strategy: DeliveryStrategy, carries: FailoverLink['carries'] = ['email', 'sms'], now = () => 0): FailoverLink {
  return { id, strategy, carries, breaker: createCircuitBreaker({ failureThreshold: 1, windowMs: 1_000, openMs: 1_000, now }) };
}

const transient = () => new DeliveryError('HTTP_NETWORK', 'refused', { retryable: true });

describe('failover router rules', () => {
  it('passes over a fallback that cannot carry the message type', async () => {
    const api = stub('api', transient);
    const smtp = stub('smtp');
    const sms = stub('sms-backup');
    const router = createFailoverStrategy([link('api', api), link('smtp', smtp, ['email']), link('sms-backup', sms, ['sms'])]);
    const result = await router.send({ ...email(), type: 'sms', recipient: '+15550000' });
    expect(result.route).toEqual({ channel: 'sms-backup', failed: [{ channel: 'api', code: 'HTTP_NETWORK' }] });
    expect(smtp.calls).toBe(0);
  });

  it('does not fail over an aborted send (the worker gave up on the attempt)', async () => {
    const ac = new AbortController();
    const first = stub('a', () => {
      ac.abort();
      return new DeliveryError('HTTP_ABORTED', 'aborted', { retryable: true });
    });
    const second = stub('b');
    const a = link('a', first);
    const err = await createFailoverStrategy([a, link('b', second)])
      .send(email(), { signal: ac.signal })
      .catch((e: unknown) => e);
    expect((err as DeliveryError).code).toBe('HTTP_ABORTED');
    expect(second.calls).toBe(0);
    // Nothing learnt about the channel: its circuit stays closed (threshold 1).
    expect(a.breaker.state()).toBe('closed');
  });

  it('still makes one real send when every circuit is open: through the one that opened first', async () => {
    let t = 0;
    const now = () => t;
    const a = link('a', stub('a', transient), undefined, now);
    const b = link('b', stub('b', transient), undefined, now);
    a.breaker.tryAcquire()?.failure();
    t = 100;
    b.breaker.tryAcquire()?.failure();
    const sa = stub('a');
    const outcomes: string[] = [];
    const router = createFailoverStrategy([{ ...a, strategy: sa }, b], { attempt: (channel, outcome) => outcomes.push(`${channel}:${outcome}`) });
    const result = await router.send(email());
    expect(outcomes).toEqual(['b:skipped', 'a:success']);
    expect(result.route).toEqual({ channel: 'a', failed: [{ channel: 'b', code: 'CHANNEL_CIRCUIT_OPEN' }] });
    expect(sa.calls).toBe(1);
    expect(a.breaker.state()).toBe('closed');
  });

  it('counts a thrown non-DeliveryError as transient and fails over', async () => {
    const router = createFailoverStrategy([
      link(
        'a',
        stub('a', () => new Error('boom')),
      ),
      link('b', stub('b')),
    ]);
    const result = await router.send(email());
    expect(result.route).toEqual({ channel: 'b', failed: [{ channel: 'a', code: 'INTERNAL' }] });
  });
});
