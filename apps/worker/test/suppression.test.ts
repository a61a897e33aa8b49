/**
 * The suppression list in the worker, against real peers (Redis, the SMTP sink, the worker
 * as a child process): a permanent rejection naming the recipient (550 5.1.1 at RCPT TO)
 * puts it on the list; a later message to it ends `abandoned` / `RECIPIENT_SUPPRESSED`
 * without the sink seeing any attempt; other recipients are unaffected; deleting the entry
 * lets the next message through; a 5.7.1 policy refusal does not suppress; `types`,
 * `smtp_replies` and the default (off) are honoured.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '@courier/testkit';
import { createSuppressionList, type SuppressionList } from '@courier/store';
import type { NewMessage } from '@courier/core';
import { createDeployment, merge, type Deployment } from './support/deployment.js';
import { spawnWorker, type WorkerProcess } from './support/worker-process.js';

let smtp: SmtpSink;
const deployments: Deployment[] = [];
const workers: WorkerProcess[] = [];
/** RCPT TO commands the sink saw, per address (accepted or refused). */
const rcpts = new Map<string, number>();
/** The sink's refusals, by lower-cased address. */
const refusals = new Map<string, { code: number; message: string }>();

beforeAll(async () => {
  smtp = await startSmtpSink({ tls: 'none' });
});

afterEach(async () => {
  for (const w of workers.splice(0)) {
    if (w.child.exitCode === null && w.child.signalCode === null) w.kill('SIGKILL');
    await w.exited;
  }
  for (const d of deployments.splice(0)) await d.cleanup();
  refusals.clear();
});

afterAll(async () => {
  smtp.setResponder(undefined);
  await smtp.close();
});

function installResponder(): void {
  smtp.setResponder((mail) => {
    const to = mail.to[0]!.toLowerCase();
    rcpts.set(to, (rcpts.get(to) ?? 0) + 1);
    return refusals.get(to);
  });
}

async function start(suppression: Record<string, unknown> | undefined): Promise<{ d: Deployment; w: WorkerProcess; list: SuppressionList }> {
  installResponder();
  const d = await createDeployment(
    merge(
      {
        courier: {
          smtp: { connection_uri: `smtp://127.0.0.1:${smtp.port}/?disable_starttls=true`, from_address: 'courier@example.com' },
          message_retries: 3,
        },
      },
      suppression === undefined ? {} : { courier: { suppression } },
    ),
  );
  deployments.push(d);
  const w = await spawnWorker(d.configPath);
  workers.push(w);
  return { d, w, list: createSuppressionList(d.redis, d.store.keys, { ttlSeconds: 3600, maxEntries: 1000 }) };
}

const unique = (what: string) => `${what}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const mailsTo = (recipient: string) => smtp.received.filter((m) => m.envelope.to.includes(recipient));
const raw = (recipient: string): NewMessage => ({ type: 'email', recipient, subject: 'Hello', body: 'Hello there' });
const templated = (recipient: string, template_type: 'recovery_code_valid' | 'verification_code_valid'): NewMessage =>
  template_type === 'recovery_code_valid'
    ? { type: 'email', recipient, template_type, template_data: { recovery_code: '123456' } }
    : { type: 'email', recipient, template_type, template_data: { verification_code: '123456' } };

async function metricsOf(w: WorkerProcess): Promise<string> {
  return (await fetch(`http://127.0.0.1:${w.healthPort}/metrics`)).text();
}

describe('suppression list', () => {
  it('suppresses a recipient refused with 550 5.1.1, stops later messages to it unsent, leaves others alone, and lets them through once deleted', async () => {
    const { d, w, list } = await start({ enabled: true });
    const gone = unique('gone');
    const policy = unique('policy');
    const fine = unique('fine');
    refusals.set(gone, { code: 550, message: '5.1.1 <gone>: Recipient address rejected: User unknown' });
    refusals.set(policy, { code: 550, message: '5.7.1 Message refused by policy' });

    const [first, refusedByPolicy, ok] = await d.enqueue([raw(gone), raw(policy), raw(fine)]);
    await d.waitForStatuses((c) => c['abandoned'] === 2 && c['sent'] === 1);
    const m1 = await d.store.get(first!.id);
    expect(m1).toMatchObject({ status: 'abandoned', send_count: 1 });
    expect(m1?.dispatches).toEqual([expect.objectContaining({ status: 'failed', error: expect.objectContaining({ code: 'SMTP_PERMANENT', retryable: false }) })]);
    expect(m1?.dispatches[0]?.error?.message).toContain('5.1.1');

    const entry = await list.find(gone);
    expect(entry).toMatchObject({ address: gone, source: 'delivery', code: '5.1.1', channel: 'email', message_id: first!.id });
    expect(entry?.detail).toContain('User unknown');
    expect(Date.parse(entry!.expires_at!) - Date.parse(entry!.added_at)).toBe(365 * 86_400_000);
    // 5.7.1 is the server's policy, not the mailbox: not suppressed.
    expect(await list.find(policy)).toBeUndefined();
    expect((await d.store.get(refusedByPolicy!.id))?.dispatches[0]?.error?.code).toBe('SMTP_PERMANENT');
    expect(await list.find(fine)).toBeUndefined();
    expect((await d.store.get(ok!.id))?.status).toBe('sent');

    // A second message to it (spelled in another case) is not sent; one to the policy-refused address is tried again.
    const seenBefore = rcpts.get(gone);
    expect(seenBefore).toBe(1);
    const [second, policyAgain, ok2] = await d.enqueue([raw(gone.toUpperCase()), raw(policy), raw(fine)]);
    await d.waitForStatuses((c) => c['abandoned'] === 4 && c['sent'] === 2);
    const m2 = await d.store.get(second!.id);
    expect(m2?.status).toBe('abandoned');
    expect(m2?.send_count).toBe(0);
    expect(m2?.dispatches).toEqual([expect.objectContaining({ status: 'failed', error: expect.objectContaining({ code: 'RECIPIENT_SUPPRESSED', retryable: false }) })]);
    expect(m2?.dispatches[0]?.error?.message).toContain('5.1.1');
    expect(rcpts.get(gone)).toBe(seenBefore);
    expect(rcpts.get(policy)).toBe(2);
    expect((await d.store.get(policyAgain!.id))?.dispatches[0]?.error?.code).toBe('SMTP_PERMANENT');
    expect((await d.store.get(ok2!.id))?.status).toBe('sent');
    expect(mailsTo(fine)).toHaveLength(2);
    // No retry was scheduled for the suppressed message.
    expect((await d.queue.getJob(second!.id))?.attemptsMade).toBe(1);

    const metrics = await metricsOf(w);
    expect(metrics).toMatch(/courier_messages_total\{status="abandoned",channel="email",template_type="raw",reason="suppressed"\} 1\n/);
    expect(metrics).toMatch(/courier_messages_total\{status="abandoned",channel="email",template_type="raw",reason="failed"\} 3\n/);
    expect(metrics).toMatch(/courier_suppressions_added_total\{channel="email"\} 1\n/);
    // The suppressed message made no delivery attempt: 5 attempts (3 refused, 2 sent), not 6.
    expect(metrics).toMatch(/courier_attempt_duration_seconds_count\{channel="email",outcome="failed"\} 3\n/);
    expect(w.lines.some((l) => l['message_id'] === second!.id && l['error_code'] === 'RECIPIENT_SUPPRESSED')).toBe(true);
    // The recipient address is not logged.
    expect(w.lines.some((l) => JSON.stringify(l).includes(gone))).toBe(false);

    // Deleted from the list (and the mailbox exists again): the next message is delivered.
    refusals.delete(gone);
    expect(await list.remove(gone)).toBe(true);
    const [third] = await d.enqueue([raw(gone)]);
    await d.waitForStatuses((c) => c['sent'] === 3);
    expect((await d.store.get(third!.id))?.status).toBe('sent');
    expect(mailsTo(gone)).toHaveLength(1);
  });

  it('is off by default: a 5.1.1 refusal adds nothing and the next message is tried', async () => {
    const { d, list } = await start(undefined);
    const gone = unique('off');
    refusals.set(gone, { code: 550, message: '5.1.1 User unknown' });
    await d.enqueue([raw(gone)]);
    await d.waitForStatuses((c) => c['abandoned'] === 1);
    expect(await list.find(gone)).toBeUndefined();
    const [second] = await d.enqueue([raw(gone)]);
    await d.waitForStatuses((c) => c['abandoned'] === 2);
    expect((await d.store.get(second!.id))?.dispatches[0]?.error?.code).toBe('SMTP_PERMANENT');
    expect(rcpts.get(gone)).toBe(2);
  });

  it('applies to the configured template types only, for adding and for stopping', async () => {
    const { d, list } = await start({ enabled: true, types: ['recovery_code_valid'] });
    const gone = unique('typed');
    refusals.set(gone, { code: 550, message: '5.1.1 User unknown' });
    // A verification message's rejection does not add the address.
    await d.enqueue([templated(gone, 'verification_code_valid')]);
    await d.waitForStatuses((c) => c['abandoned'] === 1);
    expect(await list.find(gone)).toBeUndefined();
    // A recovery message's does.
    await d.enqueue([templated(gone, 'recovery_code_valid')]);
    await d.waitForStatuses((c) => c['abandoned'] === 2);
    expect(await list.find(gone)).toMatchObject({ code: '5.1.1', template_type: 'recovery_code_valid' });
    expect(rcpts.get(gone)).toBe(2);
    // Now a recovery message is stopped, while a verification message (and a raw one) is still tried.
    const [recovery, verification, plain] = await d.enqueue([templated(gone, 'recovery_code_valid'), templated(gone, 'verification_code_valid'), raw(gone)]);
    await d.waitForStatuses((c) => c['abandoned'] === 5);
    expect((await d.store.get(recovery!.id))?.dispatches[0]?.error?.code).toBe('RECIPIENT_SUPPRESSED');
    expect((await d.store.get(verification!.id))?.dispatches[0]?.error?.code).toBe('SMTP_PERMANENT');
    expect((await d.store.get(plain!.id))?.dispatches[0]?.error?.code).toBe('SMTP_PERMANENT');
    expect(rcpts.get(gone)).toBe(4);
  });

  it('matches replies without an enhanced code by smtp_replies (code and phrase), and nothing else', async () => {
    const { d, list } = await start({ enabled: true, smtp_replies: [{ code: 550, contains: ['No such user'] }] });
    const nouser = unique('nouser');
    const other = unique('other');
    const listedCode = unique('listed');
    refusals.set(nouser, { code: 550, message: 'No such user here' });
    refusals.set(other, { code: 550, message: 'Mailbox unavailable' });
    refusals.set(listedCode, { code: 553, message: 'no such user (wrong code)' });
    await d.enqueue([raw(nouser), raw(other), raw(listedCode)]);
    await d.waitForStatuses((c) => c['abandoned'] === 3);
    expect(await list.find(nouser)).toMatchObject({ code: '550', source: 'delivery' });
    expect(await list.find(other)).toBeUndefined();
    expect(await list.find(listedCode)).toBeUndefined();
  });
});
