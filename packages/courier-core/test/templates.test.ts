import { mkdir, mkdtemp, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { templatesConfigSchema, type TemplatesConfig } from '../src/config/schema.js';
import { TemplateError } from '../src/errors.js';
import { TEMPLATE_TYPES, type TemplateData, type TemplateType } from '../src/message.js';
import { TEMPLATE_CATALOG, type RequiredTemplateField } from '../src/templates/catalog.js';
import { createTemplateRegistry } from '../src/templates/registry/create.js';
import type { TemplateRegistryOptions } from '../src/templates/registry/types.js';

// ---------------------------------------------------------------- fixtures

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'courier-templates-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh directory per test, so tests never see each other's files. */
async function freshDir(): Promise<string> {
  return mkdtemp(join(root, 't-'));
}

async function put(path: string, text: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  return path;
}

function config(input: unknown): TemplatesConfig {
  // Through the real schema, so the tests use exactly the shape a parsed config has.
  return templatesConfigSchema.parse(input);
}

function registry(options: Partial<TemplateRegistryOptions> = {}) {
  return createTemplateRegistry({ templates: config({}), ...options });
}

function b64(text: string): string {
  return `base64://${Buffer.from(text, 'utf8').toString('base64')}`;
}

async function templateErrorOf(promise: Promise<unknown>): Promise<TemplateError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateError);
    return err as TemplateError;
  }
  throw new Error('expected a TemplateError');
}

/** Values that are distinct per field, so an assertion can tell which one was printed. */
const FULL_DATA = {
  to: 'alice@example.com',
  recovery_url: 'https://id.example.com/recovery?flow=r-flow-1',
  recovery_code: '314159',
  verification_url: 'https://id.example.com/verify?flow=v-flow-2',
  verification_code: '271828',
  login_code: '161803',
  registration_code: '141421',
  identity: { id: 'id-1', traits: { email: 'alice@example.com' } },
  request_url: 'https://app.example.com/start',
  transient_payload: { campaign: 'spring' },
} satisfies TemplateData;

/** What each template type must print (and nothing else secret). */
const EXPECTED: Record<TemplateType, readonly RequiredTemplateField[]> = {
  recovery_valid: ['recovery_url'],
  recovery_invalid: [],
  recovery_code_valid: ['recovery_code'],
  recovery_code_invalid: [],
  verification_valid: ['verification_url'],
  verification_invalid: [],
  verification_code_valid: ['verification_code', 'verification_url'],
  verification_code_invalid: [],
  login_code_valid: ['login_code'],
  registration_code_valid: ['registration_code'],
  verifiable_address_changed: [],
  authenticator_key_added: [],
};

const SECRET_FIELDS: readonly RequiredTemplateField[] = ['recovery_url', 'recovery_code', 'verification_url', 'verification_code', 'login_code', 'registration_code'];

/** Handlebars's HTML escaping, written out independently so the test can fail if it changes. */
function htmlEscaped(value: string): string {
  const map: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;', '`': '&#x60;', '=': '&#x3D;' };
  return value.replace(/[&<>"'`=]/g, (c) => map[c] ?? c);
}

/** Go html/template's escaping of text content (built-in templates are Go). */
function goHtmlEscaped(value: string): string {
  const map: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;', '+': '&#43;' };
  return value.replace(/[&<>"'+]/g, (c) => map[c] ?? c);
}

function expectSmallHtmlDocument(html: string): void {
  expect(html.trimStart().startsWith('<!DOCTYPE html>')).toBe(true);
  expect(html).toMatch(/<html lang="en">[\s\S]*<head>[\s\S]*<meta charset="utf-8">[\s\S]*<title>[^<]+<\/title>/);
  expect(html.trimEnd().endsWith('</body>\n</html>')).toBe(true);
  expect(html.match(/<p[\s>]/g)?.length).toBe(html.match(/<\/p>/g)?.length);
}

// ---------------------------------------------------------------- built-in templates

describe('built-in templates', () => {
  const reg = registry();

  it('preload compiles every built-in template', async () => {
    await expect(reg.preload()).resolves.toBeUndefined();
  });

  for (const type of TEMPLATE_TYPES) {
    it(`${type}: e-mail subject, HTML and plaintext, and SMS, show what the reader needs`, async () => {
      const email = await reg.render('email', type, FULL_DATA);
      const sms = await reg.render('sms', type, FULL_DATA);

      expect(email.subject).toMatch(/^[A-Z][^\n]{5,80}$/);
      expect(email.html_body).toBeDefined();
      expectSmallHtmlDocument(email.html_body ?? '');
      expect(email.body).not.toMatch(/<[a-z!/]/i);
      expect(email.body.length).toBeGreaterThan(30);
      expect(sms.subject).toBeUndefined();
      expect(sms.html_body).toBeUndefined();
      expect(sms.body).toBe(sms.body.trim());
      expect(sms.body.length).toBeGreaterThan(10);

      const shown = EXPECTED[type];
      for (const field of shown) {
        expect(email.body).toContain(FULL_DATA[field]);
        expect(email.html_body).toContain(goHtmlEscaped(FULL_DATA[field]));
      }
      // The SMS carries the code (or, for link flows, the link).
      const smsField = shown[0];
      if (smsField !== undefined) expect(sms.body).toContain(FULL_DATA[smsField]);
      // A template never leaks another flow's secret, and "invalid" ones print none.
      for (const field of SECRET_FIELDS.filter((f) => !shown.includes(f))) {
        for (const text of [email.subject ?? '', email.body, email.html_body ?? '', sms.body]) {
          expect(text).not.toContain(FULL_DATA[field]);
        }
      }
    });
  }

  it('mentions expiry only when expires_in_minutes is given', async () => {
    const withExpiry = await reg.render('email', 'login_code_valid', { ...FULL_DATA, expires_in_minutes: 17 });
    expect(withExpiry.body).toContain('This code expires in 17 minutes.');
    expect(withExpiry.html_body).toContain('<p>This code expires in 17 minutes.</p>');
    const smsWith = await reg.render('sms', 'recovery_code_valid', { ...FULL_DATA, expires_in_minutes: 17 });
    expect(smsWith.body).toContain('17 minutes');
    const link = await reg.render('email', 'recovery_valid', { ...FULL_DATA, expires_in_minutes: 60 });
    expect(link.body).toContain('This link expires in 60 minutes.');

    const without = await reg.render('email', 'login_code_valid', FULL_DATA);
    expect(without.body).not.toMatch(/expires/);
    expect(without.html_body).not.toMatch(/expires|<p>\s*<\/p>/);
    const smsWithout = await reg.render('sms', 'recovery_code_valid', FULL_DATA);
    expect(smsWithout.body).toBe('Your recovery code is 314159.\n\n@app.example.com #314159');
  });

  it('ends code SMS with the origin-bound "@domain #code" line only when a domain is known', async () => {
    const { request_url: _omit, ...noUrl } = FULL_DATA;
    expect((await reg.render('sms', 'login_code_valid', noUrl)).body).toBe('Your login code is 161803.');
    const explicit = await reg.render('sms', 'verification_code_valid', { ...FULL_DATA, request_url_domain: 'auth.example.org' });
    expect(explicit.body).toBe('Your verification code is 271828.\n\n@auth.example.org #271828');
    const withPort = await reg.render('sms', 'registration_code_valid', { ...noUrl, request_url: 'https://id.example.net:8443/x', expires_in_minutes: 5 });
    expect(withPort.body).toBe('Your registration code is 141421. It expires in 5 minutes.\n\n@id.example.net #141421');
    expect((await reg.render('email', 'login_code_valid', FULL_DATA)).subject).toBe('Your login code: 161803');
  });

  it('verification_code_valid shows the link only when there is one', async () => {
    const { verification_url: _omit, ...noUrl } = FULL_DATA;
    const out = await reg.render('email', 'verification_code_valid', noUrl);
    expect(out.body).toContain('271828');
    expect(out.body).not.toContain('clicking');
    expect(out.html_body).not.toContain('<a ');
  });

  it('escapes data in the HTML body but not in plaintext, subject or SMS', async () => {
    const hostile = 'https://id.example.com/r?x=<script>alert(1)</script>&y="1"';
    const email = await reg.render('email', 'recovery_valid', { ...FULL_DATA, recovery_url: hostile });
    expect(email.html_body).not.toContain('<script>');
    expect(email.html_body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&amp;y=&#34;1&#34;');
    expect(email.body).toContain(hostile);
    const sms = await reg.render('sms', 'recovery_valid', { ...FULL_DATA, recovery_url: hostile });
    expect(sms.body).toContain(hostile);
  });
});

// ---------------------------------------------------------------- required data

describe('required template data', () => {
  const reg = registry();
  const requiring = TEMPLATE_TYPES.filter((t) => TEMPLATE_CATALOG[t].requiredFields.length > 0);

  it('every *_valid type requires its code or link', () => {
    expect(requiring.sort()).toEqual(TEMPLATE_TYPES.filter((t) => t.endsWith('_valid')).sort());
  });

  for (const type of requiring) {
    it(`${type} without its field fails with TEMPLATE_DATA_INVALID naming it`, async () => {
      const field = TEMPLATE_CATALOG[type].requiredFields[0];
      expect(field).toBeDefined();
      const data: Record<string, unknown> = Object.fromEntries(Object.entries(FULL_DATA).filter(([k]) => k !== field));
      for (const messageType of ['email', 'sms'] as const) {
        const err = await templateErrorOf(reg.render(messageType, type, data));
        expect(err.code).toBe('TEMPLATE_DATA_INVALID');
        expect(err.message).toContain(type);
        expect(err.message).toContain(`template_data.${field}`);
        for (const value of Object.values(FULL_DATA)) {
          if (typeof value === 'string') expect(err.message).not.toContain(value);
        }
      }
      const empty = await templateErrorOf(reg.render('email', type, { ...FULL_DATA, [field ?? '']: '  ' }));
      expect(empty.code).toBe('TEMPLATE_DATA_INVALID');
    });
  }

  it('invalid types need no data at all', async () => {
    const out = await reg.render('email', 'recovery_code_invalid', {});
    expect(out.subject).toBe('Account access attempted');
  });

  it('does not apply to a part that a custom template replaces', async () => {
    const custom = registry({ templates: config({ login_code: { valid: { sms: { body: { plaintext: b64('hi') } } } } }) });
    await expect(custom.render('sms', 'login_code_valid', {})).resolves.toEqual({ body: 'hi' });
    // The e-mail parts are still built-in, so they still require the code.
    const err = await templateErrorOf(custom.render('email', 'login_code_valid', {}));
    expect(err.code).toBe('TEMPLATE_DATA_INVALID');
  });
});

// ---------------------------------------------------------------- override directory

describe('template_override_path', () => {
  it('uses .hbs override files per part and falls back to the built-in for the rest', async () => {
    const dir = await freshDir();
    const d = join(dir, 'recovery_code/valid');
    await put(join(d, 'email.subject.hbs'), 'Code for {{to}}: {{recovery_code}}\n');
    await put(join(d, 'email.body.html.hbs'), '<p>{{recovery_code}} / {{transient_payload.campaign}} / {{to}}</p>');
    await put(join(d, 'sms.body.plaintext.hbs'), 'SMS code {{recovery_code}} for {{identity.traits.email}}\n');
    const reg = registry({ overridePath: dir });
    await reg.preload();

    const data = { ...FULL_DATA, to: '<b>bob</b>@example.com', transient_payload: { campaign: '<script>x()</script>' } };
    const email = await reg.render('email', 'recovery_code_valid', data);
    // The subject is one line, not escaped.
    expect(email.subject).toBe('Code for <b>bob</b>@example.com: 314159');
    expect(email.html_body).toBe('<p>314159 / &lt;script&gt;x()&lt;/script&gt; / &lt;b&gt;bob&lt;/b&gt;@example.com</p>');
    // No override for plaintext: the built-in one.
    expect(email.body).toContain('please recover access to your account by entering the following code:\n\n314159');
    const sms = await reg.render('sms', 'recovery_code_valid', FULL_DATA);
    expect(sms.body).toBe('SMS code 314159 for alice@example.com');

    // Other types are untouched by this directory.
    const other = await reg.render('email', 'login_code_valid', FULL_DATA);
    expect(other.subject).toBe('Your login code: 161803');
  });

  it('accepts a Kratos override folder (.gotmpl names, {{ .GoField }} references)', async () => {
    const dir = await freshDir();
    const d = join(dir, 'recovery_code/valid');
    await put(join(d, 'email.subject.gotmpl'), 'Recovery code for {{ .To }}\n');
    await put(join(d, 'email.body.gotmpl'), '<p>Code: <b>{{ .RecoveryCode }}</b> ({{.Identity.traits.email}})</p>\n');
    await put(join(d, 'email.body.plaintext.gotmpl'), 'Code:\n{{- .RecoveryCode -}}\n! {{ .TransientPayload.campaign }}');
    await put(join(d, 'sms.body.gotmpl'), 'Your code: {{ .RecoveryCode }} ({{ .ExpiresInMinutes }} min)\n');
    const v = join(dir, 'verification/valid');
    await put(join(v, 'email.body.plaintext.gotmpl'), 'Go to {{ .VerificationURL }} from {{ .RequestURL }}');
    const r = join(dir, 'registration_code/valid');
    await put(join(r, 'sms.body.gotmpl'), '{{ .RegistrationCode }} {{ .Traits.email }}');
    const reg = registry({ overridePath: dir });
    await reg.preload();

    const data = { ...FULL_DATA, to: 'a&b@example.com', expires_in_minutes: 10 };
    const email = await reg.render('email', 'recovery_code_valid', data);
    expect(email.subject).toBe('Recovery code for a&b@example.com');
    expect(email.html_body).toBe('<p>Code: <b>314159</b> (alice@example.com)</p>\n');
    expect(email.body).toBe('Code:314159! spring');
    expect((await reg.render('sms', 'recovery_code_valid', data)).body).toBe('Your code: 314159 (10 min)');
    const verify = await reg.render('email', 'verification_valid', FULL_DATA);
    expect(verify.body).toBe(`Go to ${FULL_DATA.verification_url} from ${FULL_DATA.request_url}`);
    expect((await reg.render('sms', 'registration_code_valid', FULL_DATA)).body).toBe('141421 alice@example.com');
  });

  it('prefers the Kratos .gotmpl file over the .hbs file', async () => {
    const dir = await freshDir();
    const d = join(dir, 'login_code/valid');
    await put(join(d, 'sms.body.gotmpl'), 'from gotmpl {{ .LoginCode }}');
    await put(join(d, 'sms.body.plaintext.hbs'), 'from hbs {{login_code}}');
    const reg = registry({ overridePath: dir });
    expect((await reg.render('sms', 'login_code_valid', FULL_DATA)).body).toBe('from gotmpl 161803');
  });

  it('runs Go control structures and sprig functions', async () => {
    const dir = await freshDir();
    await put(
      join(dir, 'recovery_code/valid/email.body.plaintext.gotmpl'),
      '{{ if .RecoveryCode }}Code: {{ upper .RecoveryCode | printf "%s!" }}{{ end }}{{ range $k, $v := .TransientPayload }} {{ $k }}={{ $v }}{{ end }}',
    );
    const reg = registry({ overridePath: dir });
    await reg.preload();
    const email = await reg.render('email', 'recovery_code_valid', { ...FULL_DATA, recovery_code: 'abc' });
    expect(email.body).toBe('Code: ABC! campaign=spring');
  });

  it('fails preload on a Go parse error, naming type, part, file, line and column', async () => {
    const dir = await freshDir();
    const d = join(dir, 'recovery_code/valid');
    const path = await put(join(d, 'email.body.plaintext.gotmpl'), 'Hi,\n\n  code: {{ nope .RecoveryCode }}\n');
    const reg = registry({ overridePath: dir });
    const err = await templateErrorOf(reg.preload());
    expect(err.code).toBe('TEMPLATE_COMPILE_FAILED');
    expect(err.message).toContain('template recovery_code_valid email.body.plaintext');
    expect(err.message).toContain('function "nope" not defined');
    expect(err.message).toContain(`file ${path}, line 3, column 12`);
  });

  it('fails preload when the override directory does not exist', async () => {
    const dir = await freshDir();
    const missing = join(dir, 'nope');
    const err = await templateErrorOf(registry({ overridePath: missing }).preload());
    expect(err.code).toBe('TEMPLATE_LOAD_FAILED');
    expect(err.message).toContain(`template_override_path ${missing} does not exist`);
  });
});

// ---------------------------------------------------------------- per-type URIs

describe('per-type URIs in courier.templates', () => {
  let server: Server;
  let base: string;
  const hits = new Map<string, number>();
  const bodies = new Map<string, string>();

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      hits.set(path, (hits.get(path) ?? 0) + 1);
      const body = bodies.get(path);
      if (body === undefined) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  afterEach(() => {
    hits.clear();
    bodies.clear();
  });

  it('loads file://, base64:// and http:// templates for each part', async () => {
    const dir = await freshDir();
    const htmlFile = await put(join(dir, 'html.hbs'), '<h1>{{verification_code}}</h1><p>{{transient_payload.campaign}}</p>');
    bodies.set('/plain.hbs', 'Plain {{verification_code}} {{transient_payload.campaign}}');
    bodies.set('/sms.hbs', 'SMS {{VerificationCode}}');
    const reg = registry({
      templates: config({
        verification_code: {
          valid: {
            email: {
              subject: b64('Verify {{ .To }} <now>'),
              body: { html: pathToFileURL(htmlFile).href, plaintext: `${base}/plain.hbs` },
            },
            sms: { body: { plaintext: `${base}/sms.hbs` } },
          },
        },
      }),
    });
    await reg.preload();
    const data = { ...FULL_DATA, transient_payload: { campaign: 'a<b' } };
    const email = await reg.render('email', 'verification_code_valid', data);
    expect(email).toEqual({
      subject: 'Verify alice@example.com <now>',
      html_body: '<h1>271828</h1><p>a&lt;b</p>',
      body: 'Plain 271828 a<b',
    });
    expect((await reg.render('sms', 'verification_code_valid', data)).body).toBe('SMS 271828');
  });

  it('fetches an http template once, even under concurrent renders', async () => {
    bodies.set('/subject.hbs', 'Login {{login_code}}');
    const reg = registry({
      templates: config({ login_code: { valid: { email: { subject: `${base}/subject.hbs` } } } }),
      reloadCheckIntervalMs: 0,
    });
    const outs = await Promise.all(Array.from({ length: 20 }, () => reg.render('email', 'login_code_valid', FULL_DATA)));
    expect(new Set(outs.map((o) => o.subject))).toEqual(new Set(['Login 161803']));
    await reg.render('email', 'login_code_valid', FULL_DATA);
    expect(hits.get('/subject.hbs')).toBe(1);
  });

  it('resolves each part by precedence: config URI > override file > built-in', async () => {
    const dir = await freshDir();
    const d = join(dir, 'recovery/valid');
    await put(join(d, 'email.subject.hbs'), 'override subject');
    await put(join(d, 'email.body.html.hbs'), '<p>override html {{recovery_url}}</p>');
    const reg = registry({
      overridePath: dir,
      templates: config({ recovery: { valid: { email: { subject: b64('config subject') } } } }),
    });
    await reg.preload();
    const email = await reg.render('email', 'recovery_valid', FULL_DATA);
    expect(email.subject).toBe('config subject');
    expect(email.html_body).toBe(`<p>override html ${htmlEscaped(FULL_DATA.recovery_url)}</p>`);
    expect(email.body).toContain('please recover access to your account by clicking the following link:');
    // The invalid variant has its own key and directory: still built-in.
    expect((await reg.render('email', 'recovery_invalid', FULL_DATA)).subject).toBe('Account access attempted');
  });

  it('reports a missing file, an HTTP error and an unreachable server at preload', async () => {
    const dir = await freshDir();
    const missingFile = join(dir, 'missing.hbs');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const fileReg = registry({
      templates: config({ recovery_code: { valid: { email: { subject: pathToFileURL(missingFile).href } } } }),
    });
    const fileErr = await templateErrorOf(fileReg.preload());
    expect(fileErr.code).toBe('TEMPLATE_LOAD_FAILED');
    expect(fileErr.message).toContain('template recovery_code_valid email.subject');
    expect(fileErr.message).toContain('courier.templates.recovery_code.valid.email.subject');
    expect(fileErr.message).toContain(missingFile);
    expect(fileErr.message).toContain('ENOENT');

    const notFound = registry({
      templates: config({ login_code: { valid: { sms: { body: { plaintext: `${base}/absent.hbs` } } } } }),
    });
    const nfErr = await templateErrorOf(notFound.preload());
    expect(nfErr.code).toBe('TEMPLATE_LOAD_FAILED');
    expect(nfErr.message).toContain('login_code_valid sms.body.plaintext');
    expect(nfErr.message).toContain('HTTP 404');

    const unreachable = registry({
      templates: config({
        verification: {
          invalid: { email: { body: { html: `http://user:hunter2@127.0.0.1:${closedPort}/t.hbs?token=s3cr3t` } } },
        },
      }),
      httpTimeoutMs: 5_000,
    });
    const unErr = await templateErrorOf(unreachable.preload());
    expect(unErr.code).toBe('TEMPLATE_LOAD_FAILED');
    expect(unErr.message).toContain('verification_invalid email.body.html');
    expect(unErr.message).toContain(`http://127.0.0.1:${closedPort}/t.hbs`);
    expect(unErr.message).not.toContain('hunter2');
    expect(unErr.message).not.toContain('s3cr3t');
  });

  it('reports a syntax error at preload, and lists every failing template', async () => {
    const dir = await freshDir();
    const bad = await put(join(dir, 'bad.hbs'), 'Hello {{#if recovery_code}}unclosed');
    const partial = await put(join(dir, 'partial.hbs'), '{{> partial}}');
    const reg = registry({
      templates: config({
        recovery_code: { valid: { email: { subject: pathToFileURL(bad).href } } },
        login_code: { valid: { email: { body: { plaintext: pathToFileURL(partial).href } } } },
      }),
    });
    const err = await templateErrorOf(reg.preload());
    expect(err.code).toBe('TEMPLATE_COMPILE_FAILED');
    expect(err.message).toMatch(/^2 templates failed to load:/);
    expect(err.message).toContain(`template recovery_code_valid email.subject from courier.templates.recovery_code.valid.email.subject (file ${bad}) failed to compile`);
    expect(err.message).toMatch(/Parse error|Expecting/);
    expect(err.message).toContain(`login_code_valid email.body.plaintext from courier.templates.login_code.valid.email.body.plaintext (file ${partial}) failed to compile`);
    expect(err.message).toContain('The partial partial could not be found');
    // Rendering such a type fails the same way, without a crash.
    const renderErr = await templateErrorOf(reg.render('email', 'recovery_code_valid', FULL_DATA));
    expect(renderErr.code).toBe('TEMPLATE_COMPILE_FAILED');
  });

  it('reports a failure that only data can trigger as TEMPLATE_RENDER_FAILED, without the data', async () => {
    const dir = await freshDir();
    const hbs = await put(join(dir, 'sms.hbs'), '{{#if recovery_code}}{{#with}}x{{/with}}{{/if}}');
    const reg = registry({
      templates: config({
        recovery_code: { valid: { sms: { body: { plaintext: pathToFileURL(hbs).href } } } },
      }),
    });
    await reg.preload();
    const err = await templateErrorOf(reg.render('sms', 'recovery_code_valid', FULL_DATA));
    expect(err.code).toBe('TEMPLATE_RENDER_FAILED');
    expect(err.message).toContain('recovery_code_valid sms.body.plaintext');
    expect(err.message).not.toContain(FULL_DATA.recovery_code);
  });
});

// ---------------------------------------------------------------- caching and reload

describe('caching and reload', () => {
  async function bump(path: string, text: string, secondsAhead: number): Promise<void> {
    // Same length as before: only the modification time tells the change apart.
    await writeFile(path, text);
    const t = new Date(Date.now() + secondsAhead * 1_000);
    await utimes(path, t, t);
  }

  it('picks up a changed override file', async () => {
    const dir = await freshDir();
    const path = await put(join(dir, 'login_code/valid/sms.body.plaintext.hbs'), 'v1 {{login_code}}');
    const reg = registry({ overridePath: dir, reloadCheckIntervalMs: 0 });
    expect((await reg.render('sms', 'login_code_valid', FULL_DATA)).body).toBe('v1 161803');
    expect((await reg.render('sms', 'login_code_valid', FULL_DATA)).body).toBe('v1 161803');
    await bump(path, 'v2 {{login_code}}', 10);
    expect((await reg.render('sms', 'login_code_valid', FULL_DATA)).body).toBe('v2 161803');
  });

  it('picks up a changed file:// template', async () => {
    const dir = await freshDir();
    const path = await put(join(dir, 'subject.hbs'), 'Subject A');
    const reg = registry({
      templates: config({ registration_code: { valid: { email: { subject: pathToFileURL(path).href } } } }),
      reloadCheckIntervalMs: 0,
    });
    expect((await reg.render('email', 'registration_code_valid', FULL_DATA)).subject).toBe('Subject A');
    await bump(path, 'Subject B', 20);
    expect((await reg.render('email', 'registration_code_valid', FULL_DATA)).subject).toBe('Subject B');
  });

  it('serves the cached template until the check interval has passed', async () => {
    const dir = await freshDir();
    const path = await put(join(dir, 'login_code/valid/sms.body.plaintext.hbs'), 'v1 {{login_code}}');
    const reg = registry({ overridePath: dir, reloadCheckIntervalMs: 1_000 });
    expect((await reg.render('sms', 'login_code_valid', FULL_DATA)).body).toBe('v1 161803');
    await bump(path, 'v2 {{login_code}}', 30);
    expect((await reg.render('sms', 'login_code_valid', FULL_DATA)).body).toBe('v1 161803');
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await reg.render('sms', 'login_code_valid', FULL_DATA)).body).toBe('v2 161803');
  });

  it('notices an override file that appears or disappears', async () => {
    const dir = await freshDir();
    await mkdir(join(dir, 'login_code/valid'), { recursive: true });
    const reg = registry({ overridePath: dir, reloadCheckIntervalMs: 0 });
    expect((await reg.render('sms', 'login_code_valid', FULL_DATA)).body).toBe('Your login code is 161803.\n\n@app.example.com #161803');
    const path = await put(join(dir, 'login_code/valid/sms.body.gotmpl'), 'new {{ .LoginCode }}');
    expect((await reg.render('sms', 'login_code_valid', FULL_DATA)).body).toBe('new 161803');
    await unlink(path);
    expect((await reg.render('sms', 'login_code_valid', FULL_DATA)).body).toBe('Your login code is 161803.\n\n@app.example.com #161803');
  });

  it('reloads a Go set when a file parsed with the entry changes or appears', async () => {
    const dir = await freshDir();
    const d = join(dir, 'login_code/valid');
    await put(join(d, 'sms.body.gotmpl'), '{{ template "msg" . }}');
    const defs = await put(join(d, 'sms.body.defs.gotmpl'), '{{ define "msg" }}A {{ .LoginCode }}{{ end }}');
    const reg = registry({ overridePath: dir, reloadCheckIntervalMs: 0 });
    expect((await reg.render('sms', 'login_code_valid', FULL_DATA)).body).toBe('A 161803');
    await bump(defs, '{{ define "msg" }}B {{ .LoginCode }}{{ end }}', 60);
    expect((await reg.render('sms', 'login_code_valid', FULL_DATA)).body).toBe('B 161803');
    // A later file (in name order) redefines "msg", as Go's ParseFS would.
    await put(join(d, 'sms.body.zz.gotmpl'), '{{ define "msg" }}Z {{ .LoginCode }}{{ end }}');
    expect((await reg.render('sms', 'login_code_valid', FULL_DATA)).body).toBe('Z 161803');
  });

  it('reports a broken edit instead of silently serving the old version, and recovers when fixed', async () => {
    const dir = await freshDir();
    const path = await put(join(dir, 'login_code/valid/sms.body.plaintext.hbs'), 'ok {{login_code}}');
    const reg = registry({ overridePath: dir, reloadCheckIntervalMs: 0 });
    expect((await reg.render('sms', 'login_code_valid', FULL_DATA)).body).toBe('ok 161803');
    await bump(path, 'ok {{login_code', 40);
    const err = await templateErrorOf(reg.render('sms', 'login_code_valid', FULL_DATA));
    expect(err.code).toBe('TEMPLATE_COMPILE_FAILED');
    expect(err.message).toContain(path);
    await bump(path, 'ok {{login_code}} again', 50);
    expect((await reg.render('sms', 'login_code_valid', FULL_DATA)).body).toBe('ok 161803 again');
  });
});

// ---------------------------------------------------------------- Kratos models

describe("Go templates see Kratos's model of the type", () => {
  function goRegistry(type: 'recovery_code' | 'login_code', source: string) {
    return registry({ templates: config({ [type]: { valid: { sms: { body: { plaintext: b64(source) } } } } }) });
  }

  it('has the Go field names, with zero values for absent fields', async () => {
    const reg = goRegistry(
      'recovery_code',
      '{{ .To }}|{{ .RecoveryCode }}|{{ .Identity.traits.email }}|{{ .RequestURL }}|{{ .RequestURLDomain }}|{{ .TransientPayload.campaign }}|{{ printf "%d" .ExpiresInMinutes }}',
    );
    expect((await reg.render('sms', 'recovery_code_valid', { ...FULL_DATA, expires_in_minutes: 15 })).body).toBe(
      'alice@example.com|314159|alice@example.com|https://app.example.com/start|app.example.com|spring|15',
    );
    // Absent: "", an empty map, 0 - as Kratos's zero values print.
    expect((await reg.render('sms', 'recovery_code_valid', { recovery_code: '1' })).body).toBe('|1|<no value>|||<no value>|0');
  });

  it('keeps unknown template data under its Go name', async () => {
    const reg = goRegistry('login_code', '{{ .MagicLink }} {{ .LoginCode }}');
    expect((await reg.render('sms', 'login_code_valid', { ...FULL_DATA, magic_link: 'https://m.example.com/x' })).body).toBe('https://m.example.com/x 161803');
  });

  it("has Kratos's OAuth2LoginRequest on the code types: nil when absent, the client's branding when given", async () => {
    const reg = goRegistry(
      'login_code',
      '{{ if .OAuth2LoginRequest }}{{ .OAuth2LoginRequest.Client.ClientName }} ({{ .OAuth2LoginRequest.Client.ClientID }}): {{ end }}{{ .LoginCode }}',
    );
    expect((await reg.render('sms', 'login_code_valid', { login_code: '161803' })).body).toBe('161803');
    const branded = {
      login_code: '161803',
      oauth2_login_request: { challenge: 'ch-1', client: { client_id: 'app-7', client_name: 'Acme App', metadata: { tier: 'gold' } } },
    };
    expect((await reg.render('sms', 'login_code_valid', branded)).body).toBe('Acme App (app-7): 161803');
    const uri = goRegistry('login_code', '[{{ .OAuth2LoginRequest.Client.LogoURI }}]{{ .OAuth2LoginRequest.Client.Metadata.tier }}');
    expect((await uri.render('sms', 'login_code_valid', branded)).body).toBe('[]gold');
    // A nil pointer followed further is Go's exec error, not an empty string.
    const err = await templateErrorOf(uri.render('sms', 'login_code_valid', { login_code: '1' }));
    expect(err.code).toBe('TEMPLATE_RENDER_FAILED');
    expect(err.message).toContain('executing "sms.body.gotmpl" at <.OAuth2LoginRequest.Client.LogoURI>');
  });

  it("a field the model does not have is Go's exec error, as in Kratos", async () => {
    const reg = goRegistry('login_code', 'Code: {{ .RecoveryCode }}');
    // (recovery_code is not in the login_code model; had the message carried it, it would be a field.)
    const err = await templateErrorOf(reg.render('sms', 'login_code_valid', { login_code: '161803' }));
    expect(err.code).toBe('TEMPLATE_RENDER_FAILED');
    expect(err.message).toContain(`executing "sms.body.gotmpl" at <.RecoveryCode>: can't evaluate field RecoveryCode in type *sms.LoginCodeValidModel`);
    // snake_case names are Handlebars-only.
    const snake = goRegistry('login_code', '{{ .login_code }}');
    expect((await templateErrorOf(snake.render('sms', 'login_code_valid', FULL_DATA))).message).toContain("can't evaluate field login_code");
  });
});

// ---------------------------------------------------------------- security notices

describe('verifiable_address_changed and authenticator_key_added', () => {
  const data = { to: 'alice@example.com', identity: { id: 'id-7', traits: {} }, changed_at: '2026-12-02 14:00 UTC', added_at: '2026-12-01 09:30 UTC' };

  it('built-ins say what changed, when, and for which account', async () => {
    const reg = registry();
    const changed = await reg.render('email', 'verifiable_address_changed', data);
    expect(changed.subject).toBe('An address on your account was changed');
    expect(changed.body).toContain('Account: id-7\nChanged: 2026-12-02 14:00 UTC\n');
    expect(changed.html_body).toContain('<p>Account: id-7<br>Changed: 2026-12-02 14:00 UTC</p>');
    expect(changed.body).not.toContain('Added');
    const added = await reg.render('email', 'authenticator_key_added', data);
    expect(added.body).toContain('Account: id-7\nAdded: 2026-12-01 09:30 UTC\n');
    expect((await reg.render('sms', 'authenticator_key_added', data)).body).toMatch(/sign-in key/);
    // Nothing known: no empty lines of labels.
    const bare = await reg.render('email', 'verifiable_address_changed', {});
    expect(bare.body).not.toMatch(/Account:|Changed:/);
    expect(bare.html_body).not.toMatch(/Account:|<p><\/p>/);
  });

  it('take courier.templates.<type> (no valid/invalid level) and the <type>/ override folder', async () => {
    const dir = await freshDir();
    await put(join(dir, 'authenticator_key_added/email.subject.gotmpl'), 'Key added at {{ .AddedAt }} for {{ index .Identity "id" }}');
    const reg = registry({
      overridePath: dir,
      templates: config({ verifiable_address_changed: { sms: { body: { plaintext: b64('Changed {{ .ChangedAt }}') } } } }),
    });
    await reg.preload();
    expect((await reg.render('email', 'authenticator_key_added', data)).subject).toBe('Key added at 2026-12-01 09:30 UTC for id-7');
    expect((await reg.render('sms', 'verifiable_address_changed', data)).body).toBe('Changed 2026-12-02 14:00 UTC');
    // Kratos's model of the type: no RecoveryCode field.
    const bad = registry({ templates: config({ authenticator_key_added: { sms: { body: { plaintext: b64('{{ .RecoveryCode }}') } } } }) });
    expect((await templateErrorOf(bad.render('sms', 'authenticator_key_added', data))).message).toContain(
      "can't evaluate field RecoveryCode in type *sms.AuthenticatorKeyAddedModel",
    );
  });
});

// ---------------------------------------------------------------- misc

describe('render contract', () => {
  it('keeps an e-mail subject on one line', async () => {
    const reg = registry({
      templates: config({ login_code: { valid: { email: { subject: b64('  Line one\r\n  line two\n') } } } }),
    });
    expect((await reg.render('email', 'login_code_valid', FULL_DATA)).subject).toBe('Line one line two');
  });

  it('rejects an unknown template type', async () => {
    const reg = registry();
    const err = await templateErrorOf(reg.render('email', 'password_reset' as TemplateType, FULL_DATA));
    expect(err.code).toBe('TEMPLATE_TYPE_UNKNOWN');
    expect(err.message).toContain('recovery_code_valid');
  });

  it('does not expose prototype properties to templates', async () => {
    const dir = await freshDir();
    const hbs = await put(join(dir, 'sms.hbs'), '[{{login_code.constructor}}][{{__proto__}}]');
    const reg = registry({
      templates: config({ login_code: { valid: { sms: { body: { plaintext: pathToFileURL(hbs).href } } } } }),
    });
    expect((await reg.render('sms', 'login_code_valid', FULL_DATA)).body).toBe('[][]');
    const go = registry({
      templates: config({
        login_code: { valid: { sms: { body: { plaintext: b64('[{{ .Identity.constructor }}][{{ .Identity.__proto__ }}]') } } } },
        recovery_code: { valid: { sms: { body: { plaintext: b64('{{ .constructor }}') } } } },
      }),
    });
    expect((await go.render('sms', 'login_code_valid', FULL_DATA)).body).toBe('[<no value>][<no value>]');
    const err = await templateErrorOf(go.render('sms', 'recovery_code_valid', FULL_DATA));
    expect(err.message).toContain("can't evaluate field constructor in type *sms.RecoveryCodeValidModel");
  });

  it('reports a Go exec error as TEMPLATE_RENDER_FAILED without quoting data', async () => {
    const reg = registry({
      templates: config({
        login_code: { valid: { sms: { body: { plaintext: b64('{{ fail .LoginCode }}') } } } },
        recovery_code: { valid: { sms: { body: { plaintext: b64('{{ index .TransientPayload.campaign 99 }}') } } } },
      }),
    });
    await reg.preload();
    const err = await templateErrorOf(reg.render('sms', 'login_code_valid', FULL_DATA));
    expect(err.code).toBe('TEMPLATE_RENDER_FAILED');
    expect(err.message).toContain('login_code_valid sms.body.plaintext');
    expect(err.message).toContain('executing "sms.body.gotmpl" at <fail .LoginCode>: (reason withheld');
    expect(err.message).not.toContain(FULL_DATA.login_code);
    const idx = await templateErrorOf(reg.render('sms', 'recovery_code_valid', FULL_DATA));
    expect(idx.code).toBe('TEMPLATE_RENDER_FAILED');
    expect(idx.message).not.toContain('spring');
  });
});
