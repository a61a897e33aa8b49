/**
 * Bad configuration and bad templates fail at start-up, with an error that says
 * where the problem is, never at send time:
 *
 * - the worker, run as a real child process (`node --import tsx src/main.ts` with
 *   `COURIER_CONFIG`), exits with status 2 and a stderr line naming the bad key path
 *   or template file, for bad YAML, wrong types, unknown keys, broken Handlebars
 *   templates (override directory and per-type URIs) and broken Jsonnet body
 *   templates; secrets in the file are never echoed;
 * - the same failures from the library calls the worker makes:
 *   `createTemplateRegistry(...).preload()`, `createHttpStrategy(...).verify()` and
 *   `createDeliveryChannels(...).verifyAll()`.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, uniquePrefix, type SmtpSink } from '@courier/testkit';
import { courierSectionSchema, requestConfigSchema } from '../src/config/schema.js';
import { loadConfig } from '../src/config/load.js';
import { ConfigError, DeliveryError, TemplateError } from '../src/errors.js';
import { createHttpStrategy } from '../src/delivery/http/strategy.js';
import { createDeliveryChannels } from '../src/delivery/registry.js';
import { createTemplateRegistry } from '../src/templates/registry/create.js';

const WORKER_DIR = fileURLToPath(new URL('../../../apps/worker/', import.meta.url));
const SECRET = 'hunter2-do-not-echo-771';
/** How long a worker may run before the test concludes it did not stop at start-up. */
const START_LIMIT_MS = 20_000;
/** A spawn test: tsx compiles the worker on each start, slow on a busy two-core machine. */
const SPAWN_TEST_TIMEOUT_MS = 45_000;

let tmp: string;
/** A real SMTP server requiring AUTH, so a worker with good templates can verify every channel. */
let smtp: SmtpSink;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'courier-startup-'));
  smtp = await startSmtpSink({ tls: 'none', auth: { user: 'courier', pass: SECRET } });
});
afterAll(async () => {
  await smtp?.close();
  await rm(tmp, { recursive: true, force: true });
});

interface WorkerRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly stdout: string;
  /** True when the worker was still running at {@link START_LIMIT_MS} and was stopped. */
  readonly stillRunning: boolean;
}

/** Run the worker with a config file until it exits (or the time limit passes). */
async function runWorker(configPath: string): Promise<WorkerRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: WORKER_DIR,
    env: { ...process.env, COURIER_CONFIG: configPath, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  let stillRunning = false;
  const timer = setTimeout(() => {
    stillRunning = true;
    child.kill('SIGKILL');
  }, START_LIMIT_MS);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (c, s) => resolve({ code: c, signal: s })));
  clearTimeout(timer);
  return { code, signal, stderr, stdout, stillRunning };
}

async function file(name: string, text: string): Promise<string> {
  const path = join(tmp, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
  return path;
}

/** A config that would start: the loopback SMTP sink (password in the URI), a private Redis prefix. */
function baseConfig(extra: string): string {
  return `courier:
  smtp:
    connection_uri: smtp://courier:${SECRET}@127.0.0.1:${smtp.port}/?disable_starttls=true
${extra}
redis:
  prefix: "{${uniquePrefix('startup')}}"
worker:
  host: 127.0.0.1
  port: 0
`;
}

/** Assert the worker stopped at start-up with status 2, one stderr line matching each pattern, and no secret. */
function expectStartupFailure(run: WorkerRun, ...patterns: RegExp[]): void {
  const context = `stderr:\n${run.stderr}\nstdout:\n${run.stdout.slice(0, 2_000)}`;
  expect(run.stillRunning, `the worker kept running instead of failing at start-up\n${context}`).toBe(false);
  expect(run.code, context).toBe(2);
  const lines = run.stderr.split('\n');
  for (const pattern of patterns) {
    expect(
      lines.some((l) => pattern.test(l)),
      `no stderr line matches ${pattern}\n${context}`,
    ).toBe(true);
  }
  expect(run.stderr + run.stdout).not.toContain(SECRET);
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('the worker refuses to start with a bad config file', { timeout: SPAWN_TEST_TIMEOUT_MS }, () => {
  it('bad YAML: names the file and position, not the offending line (which may hold a password)', async () => {
    const path = await file('bad-yaml.yml', `courier:\n  smtp:\n    connection_uri: "smtp://courier:${SECRET}@127.0.0.1:9/\n  message_retries: [1, 2\n`);
    expectStartupFailure(await runWorker(path), new RegExp(`courier-worker: config file ${escape(path)} is not valid YAML or JSON at line \\d+, column \\d+`));
  });

  it('wrong types: one line per bad key path', async () => {
    const path = await file(
      'wrong-types.yml',
      baseConfig(`  message_retries: "five"\n  channels: { id: sms }\nclients:\n  http:\n    disallow_private_ip_ranges: "yes"`).replace(
        'worker:\n  host: 127.0.0.1\n  port: 0',
        'worker:\n  host: 127.0.0.1\n  port: 0\n  concurrency: -3',
      ),
    );
    expectStartupFailure(
      await runWorker(path),
      new RegExp(`config file ${escape(path)} is invalid`),
      /^\s+- courier\.message_retries: /,
      /^\s+- courier\.channels: /,
      /^\s+- worker\.concurrency: /,
      /^\s+- clients\.http\.disallow_private_ip_ranges: /,
    );
  });

  it('unknown keys inside a section: named with their section', async () => {
    const path = await file('unknown-keys.yml', baseConfig(`  smtp_typo: true\n  template_overide_path: /x`).replace('  smtp:\n', '  smtp:\n    conection_uri: smtp://x\n'));
    expectStartupFailure(await runWorker(path), /^\s+- courier\.smtp: .*conection_uri/, /^\s+- courier: .*smtp_typo/, /^\s+- courier: .*template_overide_path/);
  });

  it('a bad value next to a secret: the key path and the reason, never the value', async () => {
    const path = await file('bad-uri.yml', baseConfig('').replace('connection_uri: smtp://', 'connection_uri: ftp://'));
    expectStartupFailure(await runWorker(path), /^\s+- courier\.smtp\.connection_uri: .*ftp/);
  });
});

describe('the worker refuses to start with a bad template', { timeout: SPAWN_TEST_TIMEOUT_MS }, () => {
  it('a broken Handlebars file in the override directory: names the template, part and file', async () => {
    const dir = join(tmp, 'override-broken');
    const broken = await file('override-broken/recovery_code/valid/email.subject.hbs', 'Your code {{#if recovery_code}}{{recovery_code}}');
    await file('override-broken/login_code/valid/sms.body.plaintext.hbs', 'Code: {{login_code}}');
    const path = await file('override-broken.yml', baseConfig(`  template_override_path: ${dir}`));
    expectStartupFailure(await runWorker(path), new RegExp(`recovery_code_valid email\\.subject from .*${escape(broken)}.* failed to compile`));
  });

  it('a broken Handlebars file named by a per-type URI: names the config key and the file', async () => {
    const broken = await file('uri-broken/sms.hbs', 'Code: {{login_code}');
    const path = await file(
      'uri-broken.yml',
      baseConfig(`  templates:\n    login_code:\n      valid:\n        sms:\n          body:\n            plaintext: ${pathToFileURL(broken).href}`),
    );
    expectStartupFailure(await runWorker(path), /courier\.templates\.login_code\.valid\.sms\.body\.plaintext/, new RegExp(escape(broken)));
  });

  it('a Kratos Go template with a parse error (unknown function): names type, part, file, line and column', async () => {
    const dir = join(tmp, 'override-go');
    await file('override-go/verification_code/valid/email.body.gotmpl', '{{ define "en" }}Hi{{ end }}{{ template "en" . }}');
    const bad = await file('override-go/verification_code/valid/email.body.de.gotmpl', '{{ define "de" }}\nHallo {{ nope .To }}{{ end }}');
    const path = await file('override-go.yml', baseConfig(`  template_override_path: ${dir}`));
    expectStartupFailure(
      await runWorker(path),
      /verification_code_valid email\.body\.html from override file/,
      new RegExp(`function "nope" not defined \\(file ${escape(bad)}, line 2, column 10\\)`),
    );
  });

  it('a missing template file named by a per-type URI: names the file', async () => {
    const missing = join(tmp, 'nowhere', 'subject.hbs');
    const path = await file('uri-missing.yml', baseConfig(`  templates:\n    recovery:\n      valid:\n        email:\n          subject: ${pathToFileURL(missing).href}`));
    expectStartupFailure(await runWorker(path), new RegExp(`${escape(missing)}.*ENOENT`));
  });

  it('a Jsonnet body template with a syntax error (SMS channel): names the file', async () => {
    const broken = await file('jsonnet/sms-broken.jsonnet', 'function(ctx) {\n  to: ctx.recipient,\n  text: ctx.body\n');
    const path = await file(
      'jsonnet-broken.yml',
      baseConfig(
        `  channels:\n    - id: sms\n      type: http\n      request_config:\n        url: http://127.0.0.1:9/sms\n        body: ${pathToFileURL(broken).href}\n        auth: { type: basic_auth, config: { user: u, password: ${SECRET} } }`,
      ),
    );
    expectStartupFailure(await runWorker(path), new RegExp(`${escape(broken)}.*(does not compile|STATIC ERROR)`));
  });

  it('a Jsonnet body template that imports a file: names the file, the position and the keyword', async () => {
    const reader = await file('jsonnet/sms-importstr.jsonnet', "function(ctx) {\n  to: ctx.recipient,\n  text: importstr '/etc/hostname',\n}\n");
    const path = await file(
      'jsonnet-importstr.yml',
      baseConfig(`  channels:\n    - id: sms\n      type: http\n      request_config:\n        url: http://127.0.0.1:9/sms\n        body: ${pathToFileURL(reader).href}`),
    );
    expectStartupFailure(await runWorker(path), new RegExp(`${escape(reader)}:3:9: importstr is not allowed`));
  });

  it('a Jsonnet body template with a syntax error stops start-up even while the SMTP server is unreachable', async () => {
    const broken = await file('jsonnet/sms-broken-2.jsonnet', '{ to: std.extVar("ctx").recipient, }}');
    const path = await file(
      'jsonnet-broken-smtp-down.yml',
      baseConfig(`  channels:\n    - id: sms\n      type: http\n      request_config:\n        url: http://127.0.0.1:9/sms\n        body: ${pathToFileURL(broken).href}`).replace(
        `127.0.0.1:${smtp.port}`,
        '127.0.0.1:9',
      ),
    );
    expectStartupFailure(await runWorker(path), new RegExp(`${escape(broken)}.*(does not compile|STATIC ERROR)`));
  });

  it('control: the same worker starts with good templates (so the failures above are about the templates)', async () => {
    const dir = join(tmp, 'override-good');
    await file('override-good/recovery_code/valid/email.subject.hbs', 'Your code {{#if recovery_code}}{{recovery_code}}{{/if}}');
    const good = await file('jsonnet/sms-good.jsonnet', 'function(ctx) { to: ctx.recipient, text: ctx.body }');
    const path = await file(
      'good.yml',
      baseConfig(
        `  template_override_path: ${dir}\n  channels:\n    - id: sms\n      type: http\n      request_config:\n        url: http://127.0.0.1:9/sms\n        body: ${pathToFileURL(good).href}`,
      ),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: WORKER_DIR,
      env: { ...process.env, COURIER_CONFIG: path },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const started = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), START_LIMIT_MS);
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString('utf8');
        // Signal handlers are installed once it says it started; verified channels come first.
        if (stdout.includes('"delivery channels verified"') && stdout.includes('"courier worker started"')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    child.kill('SIGTERM');
    const code = await exited;
    expect(started, `worker did not start and verify its channels\nstderr:\n${stderr}\nstdout:\n${stdout.slice(0, 2_000)}`).toBe(true);
    expect(code).toBe(0);
    expect(stdout + stderr).not.toContain(SECRET);
  });
});

describe('the library calls behind start-up', () => {
  it('loadConfig names every bad key path of a file, and never a value', async () => {
    const path = await file(
      'lib-bad.yml',
      `courier:\n  smtp:\n    connection_uri: smtp://u:${SECRET}@127.0.0.1:9/\n    from_address: not-an-address\n  message_retries: -1\nworker:\n  concurency: 5\nproducer:\n  api_keys: [short]\n`,
    );
    let error: unknown;
    try {
      loadConfig({ path });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.issues.map((i) => i.path).sort()).toEqual(['courier.message_retries', 'courier.smtp.from_address', 'producer.api_keys.0', 'worker']);
    expect(e.issues.find((i) => i.path === 'worker')?.message).toContain('concurency');
    expect(e.message).not.toContain(SECRET);
    expect(e.message).not.toContain('not-an-address');
  });

  it('preload() rejects with TEMPLATE_COMPILE_FAILED naming every broken file', async () => {
    const dir = join(tmp, 'lib-override');
    const a = await file('lib-override/recovery_code/valid/email.body.html.hbs', '<p>{{#each}}</p>');
    const b = await file('lib-override/login_code/valid/sms.body.plaintext.hbs', '{{login_code');
    const err = await createTemplateRegistry({ templates: {}, overridePath: dir })
      .preload()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(TemplateError);
    const e = err as TemplateError;
    expect(e.code).toBe('TEMPLATE_COMPILE_FAILED');
    expect(e.message).toMatch(/^2 templates failed to load:/);
    expect(e.message).toContain(`recovery_code_valid email.body.html from override file ${a}`);
    expect(e.message).toContain(`login_code_valid sms.body.plaintext from override file ${b}`);
    // Control: the registry renders once the files are fixed, so the failure was the templates'.
    await writeFile(a, '<p>{{recovery_code}}</p>');
    await writeFile(b, 'Code {{login_code}}');
    await expect(createTemplateRegistry({ templates: {}, overridePath: dir }).preload()).resolves.toBeUndefined();
  });

  it('preload() rejects a missing override directory', async () => {
    await expect(createTemplateRegistry({ templates: {}, overridePath: join(tmp, 'no-such-dir') }).preload()).rejects.toMatchObject({
      code: 'TEMPLATE_LOAD_FAILED',
      message: expect.stringContaining('does not exist'),
    });
  });

  it('verify() rejects a Jsonnet body with a syntax error: TEMPLATE_COMPILE_FAILED with file, line and column', async () => {
    const broken = await file('lib-jsonnet/broken.jsonnet', 'function(ctx) {\n  to: ctx.recipient\n  text: ctx.body,\n}\n');
    const strategy = createHttpStrategy({
      requestConfig: requestConfigSchema.parse({ url: 'http://127.0.0.1:9/sms', body: pathToFileURL(broken).href }),
    });
    const err = await strategy.verify!().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TemplateError);
    expect(err).toMatchObject({ code: 'TEMPLATE_COMPILE_FAILED' });
    expect((err as Error).message).toMatch(new RegExp(`Jsonnet template ${escape(broken)} does not compile: STATIC ERROR: ${escape(broken)}:3:\\d+`));
    const b64 = createHttpStrategy({
      requestConfig: requestConfigSchema.parse({ url: 'http://127.0.0.1:9/sms', body: `base64://${Buffer.from('{ a: }').toString('base64')}` }),
    });
    await expect(b64.verify!()).rejects.toMatchObject({ code: 'TEMPLATE_COMPILE_FAILED', message: expect.stringContaining('body.jsonnet (base64)') });
  });

  it('verifyAll() names the channel whose template is broken, ahead of an unreachable SMTP server', async () => {
    const broken = await file('lib-jsonnet/channel.jsonnet', '{ to: ');
    const courier = courierSectionSchema.parse({
      smtp: { connection_uri: 'smtp://127.0.0.1:9/?disable_starttls=true' },
      channels: [{ id: 'sms', type: 'http', request_config: { url: 'http://127.0.0.1:9/sms', body: pathToFileURL(broken).href } }],
    });
    const channels = createDeliveryChannels(courier);
    try {
      const err = await channels.verifyAll().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DeliveryError);
      expect((err as DeliveryError).message).toMatch(new RegExp(`channel "sms" failed verification: Jsonnet template ${escape(broken)} does not compile`));
      expect((err as DeliveryError).cause).toBeInstanceOf(TemplateError);
    } finally {
      await channels.closeAll();
    }
  });
});
