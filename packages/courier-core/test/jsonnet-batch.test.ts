/**
 * The batching Jsonnet renderer and the Kratos-shaped ctx, against real libjsonnet.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TemplateError } from '../src/errors.js';
import type { OutboundMessage } from '../src/delivery/strategy.js';
import { buildJsonnetContext } from '../src/delivery/http/context.js';
import { legacyFieldName } from '../src/templates/model-fields.js';
import { createJsonnetBatchRenderer } from '../src/jsonnet/batch/renderer.js';
import type { JsonnetBatchRenderer, JsonnetBatchRendererOptions } from '../src/jsonnet/batch/types.js';
import { evaluationErrorKind } from '../src/jsonnet/batch/errors.js';
import { wellFormedJson } from '../src/jsonnet/batch/json.js';
import { sessionSlotsInUse } from '../src/jsonnet/batch/session-slots.js';
import { findJsonnetImport } from '../src/jsonnet/imports.js';
import { CONTEXTS_VAR, newJsonnetVm } from '../src/jsonnet/vm.js';

type RendererOptions = Omit<JsonnetBatchRendererOptions, 'source'>;

/** Renderers made by a test; closed after it, so no session outlives its test. */
const made: JsonnetBatchRenderer[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((r) => r.close()));
});
// A closed session gives its slot back once libjsonnet has finished (a session given
// up on, in the timeout test, only after its slow render): each test starts with all free.
beforeEach(() => waitFor(() => sessionSlotsInUse() === 0, 10_000));

/** The mode the current `describe.each` block runs in. */
let defaultOptions: RendererOptions = {};

function rendererFor(text: string, options: RendererOptions = {}): JsonnetBatchRenderer {
  const renderer = createJsonnetBatchRenderer({ source: async () => ({ text, version: '1' }), ...defaultOptions, ...options });
  made.push(renderer);
  return renderer;
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

  it("carries the type's whole Kratos model in template_data, zero-valued as Kratos marshals it, and request_headers", () => {
    const ctx = buildJsonnetContext({
      id: 'm-2',
      type: 'sms',
      channel: 'sms',
      recipient: '+15550100',
      body: 'x',
      template_type: 'login_code_valid',
      template_data: { login_code: '4242', request_url: 'https://auth.example.com:8443/self-service/login?flow=1' },
    });
    expect(ctx['template_data']).toEqual({
      to: '+15550100',
      login_code: '4242',
      identity: null,
      request_url: 'https://auth.example.com:8443/self-service/login?flow=1',
      request_url_domain: 'auth.example.com',
      transient_payload: null,
      expires_in_minutes: 0,
    });
    expect(ctx['TemplateData']).toMatchObject({ RequestURLDomain: 'auth.example.com', ExpiresInMinutes: 0, Identity: null });
    expect(ctx['request_headers']).toEqual({});
    const withHeaders = buildJsonnetContext({ ...recoveryMessage, template_data: { recovery_code: '1', request_headers: { 'Accept-Language': ['de'] } } });
    expect(withHeaders['request_headers']).toEqual({ 'Accept-Language': ['de'] });
    expect(withHeaders['RequestHeaders']).toEqual({ 'Accept-Language': ['de'] });
    // A raw message has no model: its data is passed as given.
    const raw = buildJsonnetContext({ id: 'm-3', type: 'sms', channel: 'sms', recipient: '+1', body: 'hi' });
    expect(raw['template_data']).toEqual({ to: '+1' });
  });

  it("carries an SMS recovery code under verification_code too, as Kratos's SMS model tags it", () => {
    const sms = buildJsonnetContext({
      id: 'm-4',
      type: 'sms',
      channel: 'sms',
      recipient: '+15550100',
      body: 'code',
      template_type: 'recovery_code_valid',
      template_data: { recovery_code: '482910' },
    }) as { template_data: Record<string, unknown>; TemplateData: Record<string, unknown> };
    expect(sms.template_data['verification_code']).toBe('482910');
    expect(sms.template_data['recovery_code']).toBe('482910');
    expect(sms.TemplateData['VerificationCode']).toBe('482910');
    // The e-mail model tags it recovery_code only.
    const email = buildJsonnetContext({ ...recoveryMessage, template_type: 'recovery_code_valid', template_data: { recovery_code: '482910' } }) as {
      template_data: Record<string, unknown>;
    };
    expect(email.template_data['verification_code']).toBeUndefined();
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

describe.each([
  { mode: 'batch evaluations', sessions: false },
  { mode: 'sessions', sessions: true },
])('createJsonnetBatchRenderer with $mode', ({ sessions }) => {
  beforeAll(() => {
    defaultOptions = { sessions };
  });

  it('renders 50 concurrent contexts in very few evaluations, each with its own result', async () => {
    const renderer = rendererFor('function(ctx) { to: ctx.recipient, n: ctx.n * 2 }');
    const results = await Promise.all(Array.from({ length: 50 }, (_, n) => renderer.render({ recipient: `user${n}@example.org`, n })));
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
    // A session takes the second wave as its next batch, in the same evaluation
    // (each count includes the one check of the template on its own).
    expect(renderer.stats().evaluations).toBe(sessions ? 2 : 3);
  });

  it('caps the batch size', async () => {
    const renderer = rendererFor('function(ctx) ctx.n', { maxBatch: 10 });
    const results = await Promise.all(Array.from({ length: 25 }, (_, n) => renderer.render({ n })));
    expect(results).toEqual(Array.from({ length: 25 }, (_, n) => n));
    expect(renderer.stats().evaluations).toBe(sessions ? 2 : 4);
  });

  it('fails only the context the template throws for', async () => {
    const renderer = rendererFor("function(ctx) if ctx.recipient == 'bad-recipient-7f3a' then error 'boom for ' + ctx.recipient else { to: ctx.recipient }");
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

  it('renders a context with a lone surrogate (as U+FFFD) without failing the rest of its batch', async () => {
    const renderer = rendererFor('function(ctx) { body: ctx.body }');
    const bodies = ['good one', 'poison \ud800 here', 'good two', 'key \\ud800 is text, not an escape'];
    const results = await Promise.all(bodies.map((body) => renderer.render({ body })));
    expect(results).toEqual([{ body: 'good one' }, { body: 'poison \ufffd here' }, { body: 'good two' }, { body: 'key \\ud800 is text, not an escape' }]);
    // Lone surrogates in keys too.
    expect(await renderer.render({ body: 'k', ['\udc00x']: 1 })).toEqual({ body: 'k' });
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

  it('gives up on an evaluation that exceeds the timeout, and renders again afterwards', async () => {
    // Slow only for the context that asks for it: libjsonnet takes about 2 s for this fold.
    const renderer = rendererFor('function(ctx) if ctx.slow then std.foldl(function(a, b) a + b, std.range(0, 300000), 0) else ctx.n', { timeoutMs: 1_000 });
    const err = await rejection(renderer.render({ slow: true }));
    expect(err.code).toBe('TEMPLATE_RENDER_TIMEOUT');
    // The renderer is not stuck: a fast render succeeds. On a saturated machine one may
    // itself pass the limit while the abandoned evaluation still holds a thread, so a few tries.
    let result: unknown;
    for (let attempt = 0; attempt < 20 && result === undefined; attempt++) {
      result = await renderer.render({ slow: false, n: 7 }).catch((e: unknown) => {
        expect((e as { code?: string }).code).toBe('TEMPLATE_RENDER_TIMEOUT');
        return undefined;
      });
    }
    expect(result).toBe(7);
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

describe('createJsonnetBatchRenderer sessions', () => {
  beforeAll(() => {
    defaultOptions = { sessions: true };
  });

  it('renders waves arriving within the idle time in one session, and starts another after it idles out', async () => {
    const renderer = rendererFor('function(ctx) ctx.n * 10', { sessionIdleMs: 150 });
    for (let wave = 0; wave < 5; wave++) {
      const results = await Promise.all(Array.from({ length: 7 }, (_, n) => renderer.render({ n: wave * 7 + n })));
      expect(results).toEqual(Array.from({ length: 7 }, (_, n) => (wave * 7 + n) * 10));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(renderer.stats()).toEqual({ evaluations: 2, sessions: 1, items: 35 });

    await waitFor(() => sessionSlotsInUse() === 0, 2_000);
    await expect(renderer.render({ n: 1 })).resolves.toBe(10);
    expect(renderer.stats().sessions).toBe(2);
  });

  it('fails only the failing context, then goes on in a new session', async () => {
    const renderer = rendererFor("function(ctx) if ctx.n == 3 then error 'three is bad' else ctx.n");
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, n) => renderer.render({ n })));
    expect(outcomes.map((o) => o.status)).toEqual(Array.from({ length: 8 }, (_, n) => (n === 3 ? 'rejected' : 'fulfilled')));
    expect(((outcomes[3] as PromiseRejectedResult).reason as TemplateError).message).toContain('three is bad');
    // The batch right after a failed session is evaluated on its own; sessions resume after it.
    await expect(Promise.all([renderer.render({ n: 10 }), renderer.render({ n: 11 })])).resolves.toEqual([10, 11]);
    await expect(Promise.all([renderer.render({ n: 12 }), renderer.render({ n: 13 })])).resolves.toEqual([12, 13]);
    expect(renderer.stats().sessions).toBe(2);
  });

  it('settles renders queued when close() is called, by batch evaluations', async () => {
    const renderer = rendererFor('function(ctx) ctx.n', { maxBatch: 2 });
    const pending = Array.from({ length: 6 }, (_, n) => renderer.render({ n }));
    void renderer.close();
    await expect(Promise.all(pending)).resolves.toEqual([0, 1, 2, 3, 4, 5]);
    expect(renderer.stats().sessions).toBeLessThanOrEqual(1);
  });

  it('refuses a template that is not one whole expression (it could escape the wrapper)', async () => {
    // Unbalanced parentheses would close the wrapper's and read the whole batch.
    const escape = "1); 1); local __render(c) = __std.extVar('__courier_ctxs'); local __q(__courier_ctx) = (local __courier_t = (1";
    const renderer = rendererFor(escape);
    expect((await rejection(renderer.check())).code).toBe('TEMPLATE_COMPILE_FAILED');
    const err = await rejection(renderer.render({ secret: 'other-message-code' }));
    expect(err.code).toBe('TEMPLATE_COMPILE_FAILED');
    expect(err.message).toContain('STATIC ERROR');
  });

  it('keeps templates away from the session and the whole batch', async () => {
    const native = await rejection(rendererFor("function(ctx) std.native('__courier_next')(0)").render({}));
    expect(native.message).toContain('std.native is not available');
    // The wrapper's names do not exist for a template, which is checked on its own first.
    const hidden = await rejection(rendererFor("function(ctx) __std.extVar('__courier_ctxs')").render({}));
    expect(hidden.code).toBe('TEMPLATE_COMPILE_FAILED');
    expect(hidden.message).toContain('Unknown variable: __std');
  });

  it('starts a new session when the template changes', async () => {
    let version = 1;
    const renderer = createJsonnetBatchRenderer({
      source: async () => ({ text: `function(ctx) ctx.n + ${version * 100}`, version: String(version) }),
      sessions: true,
    });
    made.push(renderer);
    await expect(renderer.render({ n: 1 })).resolves.toBe(101);
    // A busy session notices a change one batch late; one that waited for work checks before rendering.
    await new Promise((resolve) => setTimeout(resolve, 20));
    version = 2;
    await expect(renderer.render({ n: 1 })).resolves.toBe(201);
    expect(renderer.stats().sessions).toBe(2);
  });

  it("runs at most half of libuv's pool as sessions; other renderers evaluate batch by batch", async () => {
    const renderers = Array.from({ length: 3 }, (_, k) => rendererFor(`function(ctx) ctx.n + ${k}`, { sessionIdleMs: 5_000 }));
    const results = await Promise.all(renderers.map((r) => Promise.all([r.render({ n: 1 }), r.render({ n: 2 })])));
    expect(results).toEqual([
      [1, 2],
      [2, 3],
      [3, 4],
    ]);
    expect(sessionSlotsInUse()).toBe(2);
    expect(renderers.map((r) => r.stats().sessions).sort()).toEqual([0, 1, 1]);
  });

  it('close() ends an idle session at once, and resolves when it has ended', async () => {
    const renderer = rendererFor('function(ctx) ctx.n', { sessionIdleMs: 60_000 });
    await renderer.render({ n: 1 });
    expect(sessionSlotsInUse()).toBe(1);
    await renderer.close();
    expect(sessionSlotsInUse()).toBe(0);
    await expect(renderer.render({ n: 2 })).resolves.toBe(2);
  });

  it('lets the process exit right after close() (a session left in a native call would hang the exit)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/exit-after-close.ts', import.meta.url))], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 20_000);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(out.trim()).toBe('7');
    expect(code).toBe(0);
  }, 30_000);

  it('ends a session after sessionMaxItems renders', async () => {
    const renderer = rendererFor('function(ctx) ctx.n', { sessionMaxItems: 10, maxBatch: 5 });
    const results = await Promise.all(Array.from({ length: 30 }, (_, n) => renderer.render({ n })));
    expect(results).toEqual(Array.from({ length: 30 }, (_, n) => n));
    expect(renderer.stats().sessions).toBe(3);
  });
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('what a batch evaluation error is blamed on', () => {
  async function errorOf(template: string, contexts: string): Promise<string> {
    const vm = newJsonnetVm().extCode(CONTEXTS_VAR, contexts);
    return vm.evaluateSnippet(template, 'body.jsonnet').then(
      () => expect.unreachable('evaluation should fail'),
      (err: unknown) => (err as Error).message,
    );
  }

  it('blames a context libjsonnet cannot read on the context, not the template', async () => {
    // What the batch saw before contexts were made well-formed: a lone surrogate escape.
    const message = await errorOf(`std.extVar('${CONTEXTS_VAR}')`, '[{"body":"poison \\ud800"}]');
    expect(message).toMatch(/^STATIC ERROR/);
    expect(evaluationErrorKind(message)).toBe('context');
  });

  it('blames a template syntax error on the template, and a runtime error on rendering', async () => {
    expect(evaluationErrorKind(await errorOf('{ a: ', '[]'))).toBe('template');
    expect(evaluationErrorKind(await errorOf("error 'x'", '[]'))).toBe('render');
  });

  it('makes only lone-surrogate escapes well-formed', () => {
    const json = JSON.stringify({ a: 'x\ud800', b: '\\ud800', c: '\ud83d\ude00', ['\udfff']: 1 });
    expect(JSON.parse(wellFormedJson(json)!)).toEqual({ a: 'x\ufffd', b: '\\ud800', c: '\ud83d\ude00', ['\ufffd']: 1 });
    expect(wellFormedJson('{"plain":"text"}')).toBe('{"plain":"text"}');
  });
});

describe('Jsonnet imports', () => {
  it('finds import, importstr and importbin in code, with their position', () => {
    expect(findJsonnetImport("local x = importstr '/etc/hostname';\nx")).toEqual({ keyword: 'importstr', line: 1, column: 11 });
    expect(findJsonnetImport("function(ctx)\n  (import 'lib.libsonnet') + {}")).toEqual({ keyword: 'import', line: 2, column: 4 });
    expect(findJsonnetImport("importbin '/dev/urandom'")?.keyword).toBe('importbin');
  });

  it('ignores the words inside strings, text blocks and comments, and in longer identifiers', () => {
    const text = [
      "// import 'a'",
      "# importstr 'b'",
      "/* importbin 'c' */",
      "local important = 'import x', imports = \"importstr \\\" y\", v = @'import ''z''';",
      'local block = |||',
      "  importstr 'inside a text block'",
      '|||;',
      'function(ctx) { a: important, b: imports, c: v, d: block }',
    ].join('\n');
    expect(findJsonnetImport(text)).toBeUndefined();
  });

  it('ends a text block where Jsonnet does (the first line without its indent), so a quote in it hides nothing', () => {
    // A `|||` indented as deep as the block is still text to Jsonnet: the block ends two lines later.
    const sneaky = '{ a: |||\n    x\n    ||| "\n  |||, b: importstr "/etc/hostname", c: "\n" }';
    expect(findJsonnetImport(sneaky)).toMatchObject({ keyword: 'importstr', line: 4 });
    expect(findJsonnetImport('{ a: |||\n  importstr "x"\n\n  more\n|||, b: 1 }')).toBeUndefined();
  });

  it('refuses a template that imports, at check() and at render, naming the position', async () => {
    const renderer = createJsonnetBatchRenderer({
      source: async () => ({ text: "function(ctx) { host: importstr '/etc/hostname' }", version: '1' }),
      filename: 'body.jsonnet',
    });
    try {
      const checked = await rejection(renderer.check());
      expect(checked.code).toBe('TEMPLATE_COMPILE_FAILED');
      expect(checked.message).toContain('body.jsonnet:1:23: importstr is not allowed');
      const rendered = await rejection(renderer.render({}));
      expect(rendered.code).toBe('TEMPLATE_COMPILE_FAILED');
    } finally {
      await renderer.close();
    }
  });
});
