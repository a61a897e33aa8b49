/**
 * Fault: fencing. Worker A takes a few messages and is SIGSTOPped while its sends wait
 * for the SMTP server's answer to RCPT TO; it stays stopped past its job locks, so
 * worker B takes the jobs over and sends them. A is continued while B's sends are still
 * in flight: A's connections then get their RCPT answers and reach DATA, where A must
 * not hand the message over (its lease ran out: no final dot, so the server gets no
 * second copy), and what A records must not touch the records B owns (the store answers
 * 'fenced'). Asserted with the Message-IDs the scripted SMTP server read and the Redis
 * records: each message delivered exactly once, with exactly B's one success dispatch.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { launchCourier, startScriptedSmtp, type LaunchedCourier, type ScriptedSmtp } from '@courier/testkit';
import { createDeployment, type Deployment } from '../support/deployment.js';
import { killChild, sleep, until } from './support.js';

const COUNT = 5;
const LOCK_MS = 2_000;
/** Longer than the time A needs to reach RCPT for every message after it took them. */
const RCPT_DELAY_MS = 2_500;

let smtp: ScriptedSmtp | undefined;
let d: Deployment | undefined;
const workers: LaunchedCourier[] = [];

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.kill('SIGCONT');
  await Promise.all(workers.map((w) => killChild(w)));
  await d?.cleanup();
  await smtp?.close();
});

async function fencedCount(healthPort: unknown, stage: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${String(healthPort)}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`courier_fenced_total{stage="${stage}"}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('a worker stalled past its locks (SIGSTOP) is fenced out', () => {
  it('neither sends the messages another worker took over nor overwrites what that one records', async () => {
    smtp = await startScriptedSmtp({ rcptDelayMs: RCPT_DELAY_MS });
    d = await createDeployment({
      courier: { smtp: { connection_uri: `smtp://127.0.0.1:${smtp.port}/?disable_starttls=true`, from_address: 'courier@example.com' } },
      worker: { concurrency: COUNT, lock_duration_ms: LOCK_MS, stalled_interval_ms: 1_000 },
    });
    const deployment = d;
    const a = launchCourier('worker', deployment.configPath);
    workers.push(a);
    const aReady = await a.ready;
    const payloads = await deployment.enqueue(
      Array.from({ length: COUNT }, (_, i) => ({ type: 'email' as const, recipient: `fence-${i}@example.com`, subject: `m${i}`, body: `b${i}` })),
    );
    const keyOf = (id: string) => deployment.store.keys.message(id);

    // A holds every message, its sends waiting for the RCPT answers.
    const ownersOfA = await until(
      () => Promise.all(payloads.map((p) => deployment.redis.hget(keyOf(p.id), 'owner'))),
      (owners) => owners.every((o) => o !== null),
      20_000,
      'A began every message',
    );
    await until(
      async () => smtp!.connections(),
      (n) => n >= COUNT,
      10_000,
      'A connected for every message',
    );
    await sleep(300);
    a.kill('SIGSTOP');
    const stoppedAt = Date.now();

    // B takes the jobs over once A's locks expire, and begins them with its own tokens.
    const b = launchCourier('worker', deployment.configPath);
    workers.push(b);
    await b.ready;
    await until(
      () => Promise.all(payloads.map((p) => deployment.redis.hget(keyOf(p.id), 'owner'))),
      (owners) => owners.every((o, i) => o !== null && o !== ownersOfA[i]),
      30_000,
      'B took every message over',
      50,
    );
    expect(Date.now() - stoppedAt).toBeGreaterThan(LOCK_MS / 2);
    // B's sends now wait for their RCPT answers too: A goes on meanwhile.
    expect(smtp.received).toHaveLength(0);
    a.kill('SIGCONT');

    const final = await deployment.waitForStatuses((c) => c['sent'] === COUNT, 30_000);
    expect(final).toMatchObject({ sent: COUNT, processing: 0, error: 0, abandoned: 0 });
    // Give A time to act on everything it had in flight.
    await until(
      () => fencedCount(aReady['health_port'], 'hand_over'),
      (n) => n >= COUNT,
      15_000,
      'A refused every hand-over',
    );
    await until(
      () => fencedCount(aReady['health_port'], 'record'),
      (n) => n >= COUNT,
      15_000,
      'A recorded nothing',
    );
    await sleep(500);

    // Each message reached the server exactly once (B's send), and A's connections sent no final dot.
    const ids = smtp.received.map((m) => m.messageId);
    expect(ids).toHaveLength(COUNT);
    for (const p of payloads) expect(ids.filter((id) => id?.includes(p.id))).toHaveLength(1);
    // The records are B's: one success dispatch, one counted send, B's owner token.
    for (const [i, p] of payloads.entries()) {
      const record = await deployment.store.get(p.id);
      expect(record).toMatchObject({ status: 'sent', send_count: 1 });
      expect(record?.dispatches).toEqual([expect.objectContaining({ status: 'success' })]);
      expect(await deployment.redis.hget(keyOf(p.id), 'owner')).not.toBe(ownersOfA[i]);
    }
    expect(a.lines.filter((l) => l['msg'] === 'the message was taken over by another worker; this outcome is not recorded')).toHaveLength(COUNT);
    expect(a.child.exitCode).toBeNull();
  }, 120_000);
});
