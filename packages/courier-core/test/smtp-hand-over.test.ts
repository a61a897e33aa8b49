/**
 * The SMTP hand-over against a real (scripted) SMTP server: the caller's check runs once
 * DATA was accepted and before any of the body is written (a refusal sends no final dot,
 * so the server gets no message); a connection that drops, or a server that never
 * answers, after the final dot gives SMTP_OUTCOME_UNKNOWN (retryable per
 * `retry_on_unknown`), while a failure before the hand-over stays SMTP_CONNECTION.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedSmtp, type ScriptedSmtp } from '@courier/testkit';
import { DeliveryError } from '../src/errors.js';
import { createSmtpStrategy } from '../src/delivery/smtp.js';
import type { DeliveryStrategy, OutboundMessage } from '../src/delivery/strategy.js';

const peers: ScriptedSmtp[] = [];
const strategies: DeliveryStrategy[] = [];

afterEach(async () => {
  await Promise.allSettled(strategies.splice(0).map(async (s) => s.close?.()));
  await Promise.allSettled(peers.splice(0).map(async (p) => p.close()));
});

async function setup(retryOnUnknown?: boolean, socketMs = 10_000) {
  const peer = await startScriptedSmtp();
  peers.push(peer);
  const strategy = createSmtpStrategy({
    smtp: {
      connection_uri: `smtp://${peer.host}:${peer.port}/?disable_starttls=true`,
      from_address: 'courier@example.com',
      headers: {},
      ...(retryOnUnknown === undefined ? {} : { retry_on_unknown: retryOnUnknown }),
    },
    timeouts: { socketMs },
  });
  strategies.push(strategy);
  return { peer, strategy };
}

const message = (id: string): OutboundMessage => ({ id, type: 'email', channel: 'email', recipient: 'user@example.com', subject: 'Hi', body: 'the body' });

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe('SMTP hand-over check', () => {
  it('runs once, after DATA was accepted, and a send it allows is delivered', async () => {
    const { peer, strategy } = await setup();
    const checked: number[] = [];
    await strategy.send(message('01900000-0000-7000-8000-000000000001'), { handOver: () => void checked.push(peer.received.length) });
    expect(checked).toEqual([0]);
    expect(peer.received).toHaveLength(1);
  });

  it('stops a send it refuses before the body: the server reads no final dot and the caller gets the check error', async () => {
    const { peer, strategy } = await setup();
    const refusal = new DeliveryError('LOCK_LOST', 'not handed over: lease ran out', { retryable: true });
    const err = await failure(
      strategy.send(message('01900000-0000-7000-8000-000000000002'), {
        handOver: () => {
          throw refusal;
        },
      }),
    );
    expect(err).toBe(refusal);
    // The connection the refusal left in DATA is not reused: the next message goes out whole.
    await strategy.send(message('01900000-0000-7000-8000-000000000003'));
    expect(peer.received.map((m) => m.messageId)).toEqual([expect.stringContaining('01900000-0000-7000-8000-000000000003')]);
  });
});

describe('SMTP outcome unknown', () => {
  it('reports a connection dropped after the final dot as SMTP_OUTCOME_UNKNOWN, retryable by default', async () => {
    const { peer, strategy } = await setup();
    peer.script.afterDot = 'drop';
    const err = await failure(strategy.send(message('01900000-0000-7000-8000-000000000004')));
    expect(err.code).toBe('SMTP_OUTCOME_UNKNOWN');
    expect(err.outcomeUnknown).toBe(true);
    expect(err.retryable).toBe(true);
    expect(peer.received).toHaveLength(1);
  });

  it('reports a server that never answers the final dot (socket timeout) as outcome unknown, not retryable with retry_on_unknown false', async () => {
    const { peer, strategy } = await setup(false, 500);
    peer.script.afterDot = 'silent';
    const err = await failure(strategy.send(message('01900000-0000-7000-8000-000000000005')));
    expect(err.code).toBe('SMTP_OUTCOME_UNKNOWN');
    expect(err.message).toMatch(/no answer after the message was handed over/);
    expect(err.retryable).toBe(false);
  });

  it('keeps a drop before the hand-over (the server is slow at RCPT and the socket times out) a plain, retryable connection failure', async () => {
    const { peer, strategy } = await setup(false, 300);
    peer.script.rcptDelayMs = 2_000;
    const err = await failure(strategy.send(message('01900000-0000-7000-8000-000000000006')));
    expect(err.outcomeUnknown).toBe(false);
    expect(err.code).not.toBe('SMTP_OUTCOME_UNKNOWN');
    expect(err.retryable).toBe(true);
    expect(peer.received).toHaveLength(0);
  });
});
