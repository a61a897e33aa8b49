/**
 * `courier templates check` and `courier templates preview`: against real
 * template folders on disk (a Kratos-style Go folder, Handlebars files, broken
 * ones), the preview server over real HTTP with a file edit and its live-reload
 * event, and the differential test: a real producer and worker deliver the same
 * template type and data to an SMTP sink, and the preview must equal the MIME
 * parts the sink decoded.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourierClient } from '../src/index.js';
import { runCli, type CliIo } from '../src/cli/run.js';
import { API_KEY, REPO_ROOT, eventually, startCourier, type TestCourier } from './support/courier.js';

/** The Kratos-style i18n folder the worker's tests render (Go templates with `define`s, sprig, a `de` branch). */
const KRATOS_FOLDER = join(REPO_ROOT, 'apps/worker/test/fixtures/kratos/i18n');

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'courier-templates-cli-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the CLI in this process with `env` as its whole environment. */
async function cli(args: readonly string[], env: Record<string, string> = {}, signal?: AbortSignal, onStdout?: (text: string) => void): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
      onStdout?.(stdout);
    },
    stderr: (t) => void (stderr += t),
    env: { PATH: '/nonexistent', ...env },
    cwd: dir,
    ...(signal === undefined ? {} : { signal }),
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

/** A fresh folder under the test directory holding `files` (path -> content). */
function folder(name: string, files: Record<string, string>): string {
  const root = join(dir, name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

function writeJson(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

/** Template data for the i18n folder: German, with markup in a trait that the HTML body must escape. */
const GERMAN_DATA = {
  recovery_code: 'abc123',
  identity: { traits: { name: 'jörg <b>ä</b>', language: 'de' } },
  request_url: 'https://auth.example.org/self-service/recovery?flow=1',
  expires_in_minutes: 30,
};

describe('courier templates check', { timeout: 60_000 }, () => {
  it('passes a good Kratos folder and counts where each part comes from', async () => {
    const good = join(dir, 'good');
    cpSync(KRATOS_FOLDER, good, { recursive: true });
    folder('good', { 'login_code/valid/email.subject.hbs': 'Your code: {{login_code}}' });
    const run = await cli(['templates', 'check'], { COURIER_TEMPLATE_OVERRIDE_PATH: good });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^templates OK \(48 template parts: 4 from the override folder, 0 from courier\.templates, 44 built-in\)/);
  });

  it('reports each broken file with line:column and exits 1; --format json has the same positions', async () => {
    const broken = folder('broken', {
      // Go: an `if` without `end`; the parser stops at the end of line 2.
      'recovery_code/valid/email.subject.gotmpl': 'Code:\n{{ if .To }}x',
      // Handlebars: an unclosed mustache; the parser stops at its single `}`, line 3, column 27.
      'verification_code/valid/email.body.plaintext.hbs': 'Hello\n\nYour {{ verification_code }\n',
      // A good file next to them is not reported.
      'login_code/valid/email.subject.gotmpl': 'Code {{ .LoginCode }}',
    });
    const goFile = join(broken, 'recovery_code/valid/email.subject.gotmpl');
    const hbsFile = join(broken, 'verification_code/valid/email.body.plaintext.hbs');
    const run = await cli(['templates', 'check'], { COURIER_TEMPLATE_OVERRIDE_PATH: broken });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${goFile}:2:14: TEMPLATE_COMPILE_FAILED`);
    expect(run.stderr).toContain(`${hbsFile}:3:27: TEMPLATE_COMPILE_FAILED`);
    expect(run.stderr).toMatch(/2 template parts failed \(48 template parts: 3 from the override folder/);
    expect(run.stderr).not.toContain('login_code');

    const asJson = await cli(['templates', 'check', '--format', 'json'], { COURIER_TEMPLATE_OVERRIDE_PATH: broken });
    expect(asJson.code).toBe(1);
    const report = JSON.parse(asJson.stdout) as { ok: boolean; problems: Record<string, unknown>[] };
    expect(report.ok).toBe(false);
    expect(report.problems.map(({ template_type, part, file, line, column }) => ({ template_type, part, file, line, column }))).toEqual([
      { template_type: 'recovery_code_valid', part: 'email.subject', file: goFile, line: 2, column: 14 },
      { template_type: 'verification_code_valid', part: 'email.body.plaintext', file: hbsFile, line: 3, column: 27 },
    ]);
  });

  it('checks courier.templates URIs: a broken base64 template is named by its config key, a file:// one by its path', async () => {
    const file = join(dir, 'uri-subject.gotmpl');
    writeFileSync(file, 'ok\n\n  {{ .RecoveryCode');
    const config = writeJson('uri-config.json', {
      courier: {
        templates: {
          recovery_code: { valid: { email: { subject: `file://${file}` } } },
          login_code: { valid: { email: { body: { plaintext: `base64://${Buffer.from('{{ end }}').toString('base64')}` } } } },
        },
      },
    });
    const run = await cli(['templates', 'check', '--config', config, '--format', 'json']);
    expect(run.code).toBe(1);
    const { problems } = JSON.parse(run.stdout) as { problems: { file: string; line?: number; column?: number; template_type: string }[] };
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatchObject({ template_type: 'recovery_code_valid', file, line: 3 });
    expect(problems[1]).toMatchObject({
      template_type: 'login_code_valid',
      file: expect.stringContaining('courier.templates.login_code.valid.email.body.plaintext') as unknown,
      line: 1,
    });
    expect(problems[1]?.file).toContain('base64:// URI');
  });

  it('exits 2 for a missing override folder, an invalid config, and a bad --format', async () => {
    const missing = await cli(['templates', 'check'], { COURIER_TEMPLATE_OVERRIDE_PATH: join(dir, 'nope') });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${join(dir, 'nope')}: TEMPLATE_LOAD_FAILED`);
    const badConfig = await cli(['templates', 'check', '--config', writeJson('bad.json', { courier: { message_retries: 'five' } })]);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toContain('courier.message_retries');
    expect((await cli(['templates', 'check', '--format', 'yaml'])).code).toBe(2);
  });
});

describe('courier templates preview', { timeout: 60_000 }, () => {
  it('renders a built-in type with sample data and says where the HTML is', async () => {
    const run = await cli(['templates', 'preview', 'recovery_code_valid']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('# recovery_code_valid (email) to jane.doe@example.com, sample data');
    expect(run.stdout).toContain('Subject: Your recovery code: 123456\n');
    expect(run.stdout).toContain('This code expires in 15 minutes.');
    expect(run.stdout).toMatch(/# HTML body: \d+ characters, not shown/);
  });

  it('renders SMS, and --out writes subject.txt, body.txt, body.html (sms.txt for SMS)', async () => {
    const sms = await cli(['templates', 'preview', 'login_code_valid', '--channel', 'sms', '--out', 'out-sms']);
    expect(sms.code).toBe(0);
    expect(readFileSync(join(dir, 'out-sms/sms.txt'), 'utf8')).toContain('345678');
    const email = await cli(['templates', 'preview', 'verification_code_valid', '--out', 'out-email', '--format', 'json']);
    expect(email.code).toBe(0);
    const json = JSON.parse(email.stdout) as { subject: string; text: string; html: string; written: string[] };
    expect(json.written).toEqual(['subject.txt', 'body.txt', 'body.html'].map((f) => join(dir, 'out-email', f)));
    expect(readFileSync(join(dir, 'out-email/subject.txt'), 'utf8')).toBe(json.subject);
    expect(readFileSync(join(dir, 'out-email/body.txt'), 'utf8')).toBe(json.text);
    expect(readFileSync(join(dir, 'out-email/body.html'), 'utf8')).toBe(json.html);
    expect(json.html).toContain('234567');
  });

  it('renders a Kratos folder with --data: the German branch, sprig, and HTML escaping as Go does', async () => {
    const data = writeJson('german.json', GERMAN_DATA);
    const run = await cli(['templates', 'preview', 'recovery_code_valid', '--data', data, '--format', 'json'], { COURIER_TEMPLATE_OVERRIDE_PATH: KRATOS_FOLDER });
    expect(run.stderr).toBe('');
    const r = JSON.parse(run.stdout) as { subject: string; text: string; html: string; recipient: string };
    expect(r.subject).toBe('Ihr Wiederherstellungscode: abc123');
    expect(r.text).toBe('Hallo Jörg <B>Ä</B>,\n\ngeben Sie ABC123 ein. Der Code läuft in 30 Minuten ab.');
    expect(r.html).toContain('<p>Hallo Jörg &lt;B&gt;Ä&lt;/B&gt;, geben Sie <b>ABC123</b> ein.</p>');
    expect(r.html).toContain('Zurück zu auth.example.org');
  });

  it('refuses bad --data (schema, limits, JSON) and unknown types with exit 2; a failing template exits 1', async () => {
    const wrongType = await cli(['templates', 'preview', 'recovery_code_valid', '--data', writeJson('wrong.json', { expires_in_minutes: 'soon' })]);
    expect(wrongType.code).toBe(2);
    expect(wrongType.stderr).toContain('expires_in_minutes');
    const deep = writeJson('deep.json', { transient_payload: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) as unknown });
    const tooDeep = await cli(['templates', 'preview', 'recovery_code_valid', '--data', deep]);
    expect(tooDeep.code).toBe(2);
    expect(tooDeep.stderr).toContain('not valid template data');
    writeFileSync(join(dir, 'huge.json'), `{"a":"${'x'.repeat(300 * 1024)}"}`);
    const huge = await cli(['templates', 'preview', 'recovery_code_valid', '--data', 'huge.json']);
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/more than \d+ \(4 x limits\.template_data_bytes\)/);
    writeFileSync(join(dir, 'notjson.json'), '{"recovery_code": "1"');
    const notJson = await cli(['templates', 'preview', 'recovery_code_valid', '--data', 'notjson.json']);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('not JSON');
    const missing = await cli(['templates', 'preview', 'recovery_code_valid', '--data', 'missing.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read it (ENOENT)');
    const unknown = await cli(['templates', 'preview', 'password_reset']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown template type "password_reset"');
    // The built-in needs the code; without it the worker fails the message, and so does the preview.
    const noCode = await cli(['templates', 'preview', 'recovery_code_valid', '--data', writeJson('empty.json', {})]);
    expect(noCode.code).toBe(1);
    expect(noCode.stderr).toContain('TEMPLATE_DATA_INVALID');
    const noCodeJson = await cli(['templates', 'preview', 'recovery_code_valid', '--data', 'empty.json', '--format', 'json']);
    expect(noCodeJson.code).toBe(1);
    expect(JSON.parse(noCodeJson.stdout)).toMatchObject({ ok: false, error: { code: 'TEMPLATE_DATA_INVALID' } });
    expect((await cli(['templates', 'preview', 'recovery_code_valid', '--to', 'x'.repeat(321)])).code).toBe(2);
  });
});

/** GET with an explicit Host header (fetch cannot set one). */
function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('courier templates preview --serve', { timeout: 60_000 }, () => {
  it('serves the preview on 127.0.0.1, sandboxes the HTML, and re-renders with a reload event after a file edit', async () => {
    const root = join(dir, 'serve');
    cpSync(KRATOS_FOLDER, root, { recursive: true });
    const stop = new AbortController();
    let announce: (url: string) => void = () => undefined;
    const announced = new Promise<string>((r) => (announce = r));
    const running = cli(['templates', 'preview', 'recovery_code_valid', '--serve', '--port', '0'], { COURIER_TEMPLATE_OVERRIDE_PATH: root }, stop.signal, (out) => {
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m?.[1] !== undefined) announce(m[1]);
    });
    try {
      const url = await Promise.race([announced, running.then((r) => Promise.reject(new Error(`CLI ended: ${r.stderr}`)))]);

      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'nonce-[^']+'/);
      const html = await page.text();
      expect(html).toContain('<p id="subject">Your recovery code: 123456</p>');
      expect(html).toContain('<iframe sandbox title="HTML body" src="/body.html?v=1">');

      const body = await fetch(new URL('/body.html', url));
      expect(body.headers.get('content-security-policy')).toMatch(/^sandbox; default-src 'none'/);
      expect(await body.text()).toContain('<b>123456</b>');
      expect(await getWithHost(url, 'evil.example:80')).toBe(421);
      expect((await fetch(url, { method: 'POST' })).status).toBe(405);

      // Listen for the reload event, then edit the subject file.
      const events = await fetch(new URL('/events', url));
      const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
      let seen = '';
      const waitForEvent = async (data: string): Promise<void> => {
        while (!seen.includes(`event: render\ndata: ${data}\n\n`)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`event stream ended; saw ${seen}`);
          seen += value;
        }
      };
      await waitForEvent('1');
      writeFileSync(join(root, 'recovery_code/valid/email.subject.gotmpl'), 'Edited: {{ .RecoveryCode }}');
      await waitForEvent('2');
      const after = (await (await fetch(new URL('/preview.json', url))).json()) as { version: number; subject: string; error: string | null };
      expect(after).toMatchObject({ version: 2, subject: 'Edited: 123456', error: null });

      // A broken edit shows the error, with its position, instead of stopping the server.
      writeFileSync(join(root, 'recovery_code/valid/email.subject.gotmpl'), 'Edited: {{ .RecoveryCode ');
      await waitForEvent('3');
      const broken = (await (await fetch(new URL('/preview.json', url))).json()) as { error: string };
      expect(broken.error).toMatch(/email\.subject\.gotmpl.*line 1/);
      expect(await (await fetch(url)).text()).toContain('Render failed');
      await reader.cancel();
    } finally {
      stop.abort();
    }
    const result = await running;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('rendered with an error');
  });

  it('--open says so when no browser opener is found (PATH has none)', async () => {
    const stop = new AbortController();
    const running = cli(['templates', 'preview', 'login_code_valid', '--open', '--port', '0'], {}, stop.signal, (out) => {
      if (out.includes('yourself') || out.includes('opened')) stop.abort();
    });
    const result = await running;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/could not open a browser \(xdg-open is not installed\); open http:\/\/127\.0\.0\.1:\d+\/ yourself/);
  });
});

describe('preview equals what the worker delivers', { timeout: 120_000 }, () => {
  let courier: TestCourier;
  let hbsFolder: string;

  beforeAll(async () => {
    // The Kratos Go folder plus a Handlebars type, so both engines are compared.
    hbsFolder = join(dir, 'differential');
    cpSync(KRATOS_FOLDER, hbsFolder, { recursive: true });
    folder('differential', {
      'login_code/valid/email.subject.hbs': 'Sign in to {{RequestURLDomain}} with {{login_code}}',
      'login_code/valid/email.body.html.hbs': '<h1>Hi {{identity.traits.name}}</h1><p>Code: <b>{{LoginCode}}</b> & more</p>',
      'login_code/valid/email.body.plaintext.hbs': 'Hi {{identity.traits.name}},\nyour code is {{login_code}}.\n',
    });
    courier = await startCourier('tpl-preview');
    await courier.startWorker({ COURIER_TEMPLATE_OVERRIDE_PATH: hbsFolder });
  }, 120_000);

  afterAll(async () => {
    await courier?.close();
  });

  const cases: { name: string; type: 'recovery_code_valid' | 'login_code_valid' | 'verification_valid'; data: Record<string, unknown> }[] = [
    { name: 'Go folder, German branch', type: 'recovery_code_valid', data: GERMAN_DATA },
    { name: 'Handlebars files', type: 'login_code_valid', data: { login_code: '778899', identity: { traits: { name: 'Ann <i>&</i>' } }, request_url: 'https://id.example.net/x' } },
    { name: 'built-in template', type: 'verification_valid', data: { verification_url: 'https://id.example.net/verify?token=t&x=<1>', expires_in_minutes: 5 } },
  ];

  for (const c of cases) {
    it(`${c.name}: subject, text and HTML of the preview equal the delivered MIME parts`, async () => {
      const recipient = `preview-${c.type}@example.com`;
      const dataPath = writeJson(`diff-${c.type}.json`, c.data);
      const preview = await cli(['templates', 'preview', c.type, '--data', dataPath, '--to', recipient, '--format', 'json'], { COURIER_TEMPLATE_OVERRIDE_PATH: hbsFolder });
      expect(preview.stderr).toBe('');
      const p = JSON.parse(preview.stdout) as { subject: string; text: string; html: string };

      const client = createCourierClient({ baseUrl: courier.url, apiKey: API_KEY });
      await client.send({ type: 'email', recipient, template_type: c.type, template_data: c.data });
      const mail = await eventually(async () => Promise.resolve(courier.smtp.received.find((m) => m.envelope.to.includes(recipient))), 30_000, `mail to ${recipient}`);
      const parsed = mail.parsed!;
      expect(parsed.subject).toBe(p.subject);
      expect(parsed.text).toBe(p.text);
      expect(parsed.html).toBe(p.html);
    });
  }
});
