/**
 * The client's webhook receiving side, checked against the reference `standardwebhooks`
 * package both ways: requests it signs verify with `verifyWebhook`, secrets we make
 * work with it, and every forgery (body, secret, id, stale or future timestamp, other
 * scheme, missing header) is refused. Also Courier's own signer, and the CLI commands.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createWebhookSender } from '@courier/core';
import { startHttpSink } from '@courier/testkit';
import { newWebhookSecret, verifyWebhook, WebhookVerificationError } from '../src/index.js';
import { runCli } from '../src/cli/run.js';

const body = JSON.stringify({ type: 'message.sent', timestamp: '2026-12-02T10:00:00.000Z', data: { id: 'm-1', status: 'sent', attempt: 1 } });

function signed(secret: string, at = new Date(), id = 'evt_0123456789abcdef') {
  const signature = new Webhook(secret).sign(id, at, body);
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
}

function refused(fn: () => unknown, reason: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(WebhookVerificationError);
  expect((err as Error).message).toMatch(reason);
}

describe('verifyWebhook', () => {
  it('accepts what the reference implementation signs, with a secret made by newWebhookSecret', () => {
    const secret = newWebhookSecret();
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    const headers = signed(secret);
    expect(verifyWebhook(secret, body, headers)).toEqual(JSON.parse(body));
    expect(verifyWebhook(secret, Buffer.from(body), new Headers(headers)).data.id).toBe('m-1');
    // Node's req.headers with other casing, and a rotation header with an old signature first.
    const other = newWebhookSecret();
    const rotated = { ...headers, 'Webhook-Signature': `${signed(other)['webhook-signature']} v1a,bm90LWEtc2ln ${headers['webhook-signature']}` };
    delete (rotated as Record<string, string>)['webhook-signature'];
    expect(verifyWebhook(secret, body, rotated).type).toBe('message.sent');
  });

  it('refuses forgeries, stale or future timestamps and missing headers', () => {
    const secret = newWebhookSecret();
    const headers = signed(secret);
    refused(() => verifyWebhook(secret, body.replace('m-1', 'm-2'), headers), /no signature matches/);
    refused(() => verifyWebhook(newWebhookSecret(), body, headers), /no signature matches/);
    refused(() => verifyWebhook(secret, body, { ...headers, 'webhook-id': 'evt_other' }), /no signature matches/);
    refused(() => verifyWebhook(secret, body, { ...headers, 'webhook-signature': headers['webhook-signature'].replace('v1,', 'v1a,') }), /no signature matches/);
    refused(() => verifyWebhook(secret, body, signed(secret, new Date(Date.now() - 10 * 60_000))), /too far/);
    refused(() => verifyWebhook(secret, body, signed(secret, new Date(Date.now() + 10 * 60_000))), /too far/);
    refused(() => verifyWebhook(secret, body, { 'webhook-id': headers['webhook-id'], 'webhook-timestamp': headers['webhook-timestamp'] }), /missing/);
    refused(() => verifyWebhook('not-a-secret', body, headers), /whsec_/);
    // A generous tolerance (or the right clock) accepts an old delivery.
    const old = new Date(Date.now() - 10 * 60_000);
    expect(verifyWebhook(secret, body, signed(secret, old), { now: old }).type).toBe('message.sent');
  });

  it("accepts what Courier's sender signs on the wire, as the reference implementation does", async () => {
    const sink = await startHttpSink();
    try {
      const secret = newWebhookSecret();
      const send = createWebhookSender({ timeoutMs: 2_000 });
      await send({ id: 'ops', url: sink.url, key: Buffer.from(secret.slice(6), 'base64'), headers: {} }, { id: 'evt_abc', body });
      const [req] = sink.requests;
      const headers = req!.headers as Record<string, string>;
      expect(verifyWebhook(secret, req!.body, headers).data.id).toBe('m-1');
      expect(new Webhook(secret).verify(req!.body, headers)).toEqual(JSON.parse(body));
    } finally {
      await sink.close();
    }
  });
});

describe('courier webhooks', () => {
  async function cli(args: string[], env: Record<string, string> = {}, cwd = process.cwd()) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, cwd });
    return { code, stdout, stderr };
  }

  it('secret prints a new secret the reference implementation takes', async () => {
    const { code, stdout } = await cli(['webhooks', 'secret']);
    expect(code).toBe(0);
    const secret = stdout.trim();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(() => new Webhook(secret)).not.toThrow();
    expect(JSON.parse((await cli(['webhooks', 'secret', '--json'])).stdout)).toHaveProperty('secret');
  });

  it('verify checks a saved delivery with the secret from the environment', async () => {
    const secret = newWebhookSecret();
    const dir = mkdtempSync(join(tmpdir(), 'courier-webhook-'));
    writeFileSync(join(dir, 'event.json'), body);
    const h = signed(secret);
    const args = ['webhooks', 'verify', '--body-file', 'event.json', '--id', h['webhook-id'], '--timestamp', h['webhook-timestamp'], '--signature', h['webhook-signature']];
    const ok = await cli(args, { COURIER_WEBHOOK_SECRET: secret }, dir);
    expect(ok).toMatchObject({ code: 0, stdout: 'verified: message.sent m-1 (sent)\n' });
    const bad = await cli(args, { COURIER_WEBHOOK_SECRET: newWebhookSecret() }, dir);
    expect(bad).toMatchObject({ code: 1, stderr: 'courier: not verified: no signature matches\n' });
    const noSecret = await cli(args, {}, dir);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain('COURIER_WEBHOOK_SECRET');
    expect((await cli(args.slice(0, -2), { COURIER_WEBHOOK_SECRET: secret }, dir)).stderr).toContain('needs --signature');
  });
});
