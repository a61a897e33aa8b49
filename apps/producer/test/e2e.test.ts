/**
 * End to end through a running worker: the Kratos HTTP-strategy payload delivered
 * to an SMTP sink and visible in the Kratos admin shape; an abandoned message
 * retried and sent; a cancelled message never sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCourier, startSmtpSink, type CourierProcess, type SmtpSink } from '@courier/testkit';
import { createApiClient, type ApiClient } from './support/api-client.js';
import { startProducer, type TestProducer } from './support/producer.js';

const KEY = 'test-key-0123456789abcdef';
let smtp: SmtpSink;
let p: TestProducer;
let api: ApiClient;
let worker: CourierProcess;

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  smtp = await startSmtpSink({ tls: 'none' });
  p = await startProducer({
    courier: {
      smtp: { connection_uri: `smtp://127.0.0.1:${smtp.port}/?disable_starttls=true`, from_address: 'accounts@example.com' },
      message_retries: 0,
    },
    worker: { host: '127.0.0.1', port: 0, backoff: { base_ms: 50, max_ms: 200 } },
  });
  api = await createApiClient(p.url, KEY);
  worker = await spawnCourier('worker', p.configPath);
}, 60_000);

afterAll(async () => {
  worker?.kill('SIGTERM');
  await worker?.exited;
  await p?.close();
  await smtp?.close();
});

describe('Kratos bridge', () => {
  it("delivers what Kratos's HTTP strategy posts, as Kratos rendered it, and lists it in Kratos's shape", async () => {
    // The JSON Kratos's default body template produces for a recovery code.
    const kratosBody = {
      recipient: 'kratos-user@example.com',
      template_type: 'recovery_code_valid',
      to: 'kratos-user@example.com',
      recovery_code: '867530',
      recovery_url: null,
      verification_url: null,
      verification_code: null,
      subject: 'Recover access to your account',
      body: 'Hi, please recover access to your account by entering the following code: 867530',
    };
    const res = await api.request('POST', '/kratos/messages', { body: kratosBody });
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    const mails = await smtp.waitFor(1, 20_000);
    const mail = mails.find((m) => m.envelope.to.includes('kratos-user@example.com'));
    expect(mail?.parsed?.subject).toBe('Recover access to your account');
    expect(mail?.parsed?.text).toContain('867530');

    const one = await until(
      () => api.request('GET', `/admin/courier/messages/${id}`),
      (r) => r.body.status === 'sent',
    );
    expect(one.body).toMatchObject({
      id,
      status: 'sent',
      type: 'email',
      recipient: 'kratos-user@example.com',
      // As Kratos outside dev mode (producer.expose_message_content).
      subject: '<redacted-unless-dev-mode>',
      body: '<redacted-unless-dev-mode>',
      template_type: 'recovery_code_valid',
      send_count: 1,
      dispatches: [{ message_id: id, status: 'success' }],
    });
    const list = await api.request('GET', '/admin/courier/messages?status=sent&recipient=kratos-user@example.com');
    expect(list.status).toBe(200);
    expect(list.body.map((m: { id: string }) => m.id)).toContain(id);
  });

  it('delivers the text, subject and HTML Kratos rendered (its whole httpDataModel posted), not a re-rendering', async () => {
    // What Kratos's HTTP channel marshals (httpDataModel), posted whole by a body
    // template such as `function(ctx) ctx`: Kratos's own (customised) rendering.
    const recipient = `kratos-html-${Date.now()}@example.com`;
    const res = await api.request('POST', '/kratos/messages', {
      body: {
        recipient,
        subject: 'Kratos subject 4242',
        body: 'Kratos plain text 4242',
        html_body: '<p>Kratos <b>HTML</b> 4242</p>',
        template_type: 'recovery_code_valid',
        template_data: { to: recipient, recovery_code: '4242', identity: { id: 'i-1' }, expires_in_minutes: 15 },
        message_type: 'email',
        request_headers: { 'Accept-Language': ['de'] },
      },
    });
    expect(res.status).toBe(202);
    const mail = (
      await until(
        async () => smtp.received,
        (r) => r.some((m) => m.envelope.to.includes(recipient)),
      )
    ).find((m) => m.envelope.to.includes(recipient));
    expect(mail?.parsed?.subject).toBe('Kratos subject 4242');
    expect(mail?.parsed?.text?.trim()).toBe('Kratos plain text 4242');
    expect(mail?.parsed?.html).toContain('<p>Kratos <b>HTML</b> 4242</p>');
  });

  it('rejects a Kratos payload with neither a body nor a known template type', async () => {
    const res = await api.request('POST', '/kratos/messages', { body: { recipient: 'x@example.com', template_type: 'custom', body: null } });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('body');
  });
});

describe('retry and cancel with a worker', () => {
  it('retries an abandoned message and then sends it', async () => {
    const recipient = `bounce-${Date.now()}@example.com`;
    let refuse = true;
    smtp.setResponder((m) => (refuse && m.to.includes(recipient) ? { code: 550, message: '5.1.1 mailbox full' } : undefined));
    const id = (await api.request('POST', '/messages', { body: { recipient, subject: 'Hello', body: 'Once more' } })).body.id as string;
    const abandoned = await until(
      () => api.request('GET', `/messages/${id}`),
      (r) => r.body.status === 'abandoned',
    );
    expect(abandoned.body).toMatchObject({ status: 'abandoned', send_count: 1 });
    expect((await api.request('GET', `/admin/courier/messages/${id}`)).body.status).toBe('abandoned');
    refuse = false;
    const retried = await api.request('POST', `/messages/${id}/retry`);
    expect(retried.status).toBe(202);
    const sent = await until(
      () => api.request('GET', `/messages/${id}`),
      (r) => r.body.status === 'sent',
    );
    expect(sent.body.send_count).toBe(2);
    expect(sent.body.dispatches.map((d: { status: string }) => d.status)).toEqual(['failed', 'success']);
    expect(smtp.received.filter((m) => m.envelope.to.includes(recipient))).toHaveLength(1);
    const again = await api.request('POST', `/messages/${id}/retry`);
    expect(again.status).toBe(409);
  });

  it('never sends a message cancelled while scheduled', async () => {
    const recipient = `cancel-${Date.now()}@example.com`;
    const id = (await api.request('POST', '/messages', { body: { recipient, subject: 'Later', body: 'x', delay_ms: 1_500 } })).body.id as string;
    expect((await api.request('DELETE', `/messages/${id}`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(smtp.received.filter((m) => m.envelope.to.includes(recipient))).toHaveLength(0);
    expect((await api.request('GET', `/messages/${id}`)).body.status).toBe('cancelled');
  });
});
