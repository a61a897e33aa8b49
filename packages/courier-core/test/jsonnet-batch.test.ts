/**
 * The batching Jsonnet renderer and the Kratos-shaped ctx, against real libjsonnet.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TemplateError } from '../src/errors.js';
import type { OutboundMessage } from '../src/delivery/strategy.js';
import { buildJsonnetContext, legacyFieldName } from '../src/jsonnet/context.js';
import { createJsonnetBatchRenderer, type JsonnetBatchRenderer } from '../src/jsonnet/batch-renderer.js';

function rendererFor(text: string, options: { maxBatch?: number; timeoutMs?: number } = {}): JsonnetBatchRenderer {
  return createJsonnetBatchRenderer({ source: async () => ({ text, version: '1' }), ...options });
}

function fixture(name: string): Promise<string> {
  return readFile(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8');
}

async function rejection(promise: Promise<unknown>): Promise<TemplateError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TemplateError);
  return err as TemplateError;
}

const recoveryMessage: OutboundMessage = {
  id: 'm-1',
  type: 'email',
  channel: 'email',
  recipient: 'alice@example.org',
  subject: 'Recover your account',
  body: 'Your code is 482913',
  html_body: '<p>Your code is 482913</p>',
  template_type: 'recovery_code_valid',
  template_data: {
    to: 'alice@example.org',
    recovery_code: '482913',
    identity: { id: 'i-1', traits: { email: 'alice@example.org' } },
    expires_in_minutes: 15,
  },
};

describe('buildJsonnetContext', () => {
  it('carries the snake_case and the capitalised Kratos names', () => {
    const ctx = buildJsonnetContext(recoveryMessage);
    expect(ctx).toMatchObject({
      recipient: 'alice@example.org',
      subject: 'Recover your account',
      body: 'Your code is 482913',
      html_body: '<p>Your code is 482913</p>',
      template_type: 'recovery_code_valid',
      message_type: 'email',
      template_data: { to: 'alice@example.org', recovery_code: '482913', expires_in_minutes: 15 },
      Recipient: 'alice@example.org',
      Subject: 'Recover your account',
      Body: 'Your code is 482913',
      HTMLBody: '<p>Your code is 482913</p>',
      TemplateType: 'recovery_code_valid',
      MessageType: 'email',
      TemplateData: {
        To: 'alice@example.org',
        RecoveryCode: '482913',
        Identity: { id: 'i-1', traits: { email: 'alice@example.org' } },
        ExpiresInMinutes: 15,
      },
    });
  });

  it('uses Go zero values for absent strings and leaves out an absent HTML body', () => {
    const ctx = buildJsonnetContext({ id: 'm-2', type: 'sms', channel: 'sms', recipient: '+15550100', body: 'hi' });
    expect(ctx['subject']).toBe('');
    expect(ctx['Subject']).toBe('');
    expect(ctx['template_type']).toBe('');
    expect(ctx['template_data']).toEqual({ to: '+15550100' });
    expect(ctx['TemplateData']).toEqual({ To: '+15550100' });
    expect('html_body' in ctx).toBe(false);
    expect('HTMLBody' in ctx).toBe(false);
  });

  it('names template fields as Kratos Go structs did', () => {
    expect(
      [
        'to',
        'recovery_url',
        'recovery_code',
        'verification_url',
        'verification_code',
        'login_code',
        'registration_code',
        'identity',
        'request_url',
        'transient_payload',
        'expires_in_minutes',
      ].map(legacyFieldName),
    ).toEqual([
      'To',
      'RecoveryURL',
      'RecoveryCode',
      'VerificationURL',
      'VerificationCode',
      'LoginCode',
      'RegistrationCode',
      'Identity',
      'RequestURL',
      'TransientPayload',
      'ExpiresInMinutes',
    ]);
  });
});

describe('createJsonnetBatchRenderer', () => {
  it('renders 50 concurrent contexts in very few evaluations, each with its own result', async () => {
    const renderer = rendererFor('function(ctx) { to: ctx.recipient, n: ctx.n * 2 }');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, n) => renderer.render({ recipient: `user${n}@example.org`, n })),
    );
    results.forEach((result, n) => expect(result).toEqual({ to: `user${n}@example.org`, n: n * 2 }));
    expect(renderer.stats().items).toBe(50);
    expect(renderer.stats().evaluations).toBeLessThanOrEqual(3);
  });

  it('puts renders that arrive during an evaluation into the next batch', async () => {
    const renderer = rendererFor('function(ctx) ctx.n');
    const first = Array.from({ length: 10 }, (_, n) => renderer.render({ n }));
    // Let the first batch start evaluating before the second wave arrives.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = Array.from({ length: 10 }, (_, n) => renderer.render({ n: n + 10 }));
    expect(await Promise.all([...first, ...second])).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(renderer.stats().evaluations).toBe(2);
  });

  it('caps the batch size', async () => {
    const renderer = rendererFor('function(ctx) ctx.n', { maxBatch: 10 });
    const results = await Promise.all(Array.from({ length: 25 }, (_, n) => renderer.render({ n })));
    expect(results).toEqual(Array.from({ length: 25 }, (_, n) => n));
    expect(renderer.stats().evaluations).toBe(3);
  });

  it('fails only the context the template throws for', async () => {
    const renderer = rendererFor(
      "function(ctx) if ctx.recipient == 'bad-recipient-7f3a' then error 'boom for ' + ctx.recipient else { to: ctx.recipient }",
    );
    const recipients = Array.from({ length: 20 }, (_, n) => (n === 13 ? 'bad-recipient-7f3a' : `ok${n}@example.org`));
    const outcomes = await Promise.allSettled(recipients.map((recipient) => renderer.render({ recipient })));

    const rejected = outcomes.filter((o) => o.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(outcomes[13]?.status).toBe('rejected');
    const err = (outcomes[13] as PromiseRejectedResult).reason as TemplateError;
    expect(err).toBeInstanceOf(TemplateError);
    expect(err.code).toBe('TEMPLATE_RENDER_FAILED');
    expect(err.message).toContain('RUNTIME ERROR: boom for');
    expect(err.message).not.toContain('bad-recipient-7f3a');
    outcomes.forEach((o, n) => {
      if (n !== 13) expect(o).toEqual({ status: 'fulfilled', value: { to: recipients[n] } });
    });
    expect(renderer.stats().items).toBe(20);
  });

  it('rejects a single failing render with the error position in template coordinates', async () => {
    const renderer = rendererFor("function(ctx) error 'nope'");
    const err = await rejection(renderer.render({}));
    expect(err.code).toBe('TEMPLATE_RENDER_FAILED');
    expect(err.message).toContain('RUNTIME ERROR: nope');
    expect(err.message).toContain('template.jsonnet:1:15');
  });

  it('reports a syntax error from check() as TEMPLATE_COMPILE_FAILED, and fails renders alike', async () => {
    const renderer = rendererFor('function(ctx) { to: ctx.recipient, ');
    const err = await rejection(renderer.check());
    expect(err.code).toBe('TEMPLATE_COMPILE_FAILED');
    expect(err.message).toContain('template.jsonnet');
    expect(err.message).toContain('STATIC ERROR');

    const outcomes = await Promise.allSettled([renderer.render({ recipient: 'a' }), renderer.render({ recipient: 'b' })]);
    for (const o of outcomes) {
      expect(o.status).toBe('rejected');
      expect(((o as PromiseRejectedResult).reason as TemplateError).code).toBe('TEMPLATE_COMPILE_FAILED');
    }
  });

  it('check() accepts a valid template without rendering it, and rejects a free ctx variable', async () => {
    await expect(rendererFor('function(ctx) { to: ctx.template_data.missing.field }').check()).resolves.toBeUndefined();
    const err = await rejection(rendererFor('{ to: ctx.recipient }').check());
    expect(err.code).toBe('TEMPLATE_COMPILE_FAILED');
    expect(err.message).toContain('Unknown variable: ctx');
  });

  it("gives non-function templates their context through std.extVar('ctx') and nothing else", async () => {
    const renderer = rendererFor("local ctx = std.extVar('ctx'); { to: ctx.recipient, len: std.length(ctx.recipient) }");
    const results = await Promise.all([renderer.render({ recipient: 'abc' }), renderer.render({ recipient: 'wxyz' })]);
    expect(results).toEqual([
      { to: 'abc', len: 3 },
      { to: 'wxyz', len: 4 },
    ]);

    const leaky = rendererFor("std.extVar('__courier_ctxs')");
    const err = await rejection(leaky.render({ recipient: 'abc' }));
    expect(err.code).toBe('TEMPLATE_RENDER_FAILED');
    expect(err.message).toContain('Undefined external variable');
  });

  it('passes the source error through when the template cannot be loaded', async () => {
    const renderer = createJsonnetBatchRenderer({
      source: async () => {
        throw new TemplateError('TEMPLATE_LOAD_FAILED', 'cannot read template file /nope (ENOENT)');
      },
    });
    const err = await rejection(renderer.render({}));
    expect(err.code).toBe('TEMPLATE_LOAD_FAILED');
  });

  it('gives up on an evaluation that exceeds the timeout', async () => {
    const renderer = rendererFor('function(ctx) ctx', { timeoutMs: 1 });
    const err = await rejection(renderer.render({ a: 1 }));
    expect(err.code).toBe('TEMPLATE_RENDER_TIMEOUT');
  });

  it('renders the Kratos templates verbatim with the Kratos-shaped ctx', async () => {
    const ctx = buildJsonnetContext(recoveryMessage);
    const legacy = await rendererFor(await fixture('kratos-legacy-mailer.jsonnet')).render(ctx);
    expect(legacy).toEqual({
      recipient: 'alice@example.org',
      template_type: 'recovery_code_valid',
      to: 'alice@example.org',
      recovery_code: '482913',
      recovery_url: null,
      verification_url: null,
      verification_code: null,
      subject: null,
      body: null,
    });
    const docs = await rendererFor(await fixture('kratos-docs-payload.jsonnet')).render(ctx);
    expect(docs).toEqual({
      recipient: 'alice@example.org',
      template_type: 'recovery_code_valid',
      to: 'alice@example.org',
      recovery_code: '482913',
      recovery_url: null,
      verification_url: null,
      verification_code: null,
      login_code: null,
      registration_code: null,
      subject: null,
      body: null,
    });
  });
});
