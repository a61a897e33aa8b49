/**
 * The `courier` CLI as users run it (a child process, and once through
 * `pnpm courier`), against a real producer child process and real Redis.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@courier/testkit';
import { runCli } from '../src/cli/run.js';
import { API_KEY, REPO_ROOT, startCourier, type TestCourier } from './support/courier.js';

const CLI = 'packages/courier-client/src/cli/main.ts';

let courier: TestCourier;

beforeAll(async () => {
  courier = await startCourier('cli-test');
});

afterAll(async () => {
  await courier?.close();
});

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of a CLI run: the test's, minus anything that would point it elsewhere. */
function cliEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const unset = new Set(['COURIER_URL', 'COURIER_API_KEY', 'COURIER_CONFIG', 'npm_lifecycle_event', ...Object.keys(env)]);
  const kept = Object.entries(process.env).filter(([k]) => !unset.has(k));
  const given = Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined);
  return Object.fromEntries([...kept, ...given]);
}

function run(command: string, args: readonly string[], env: Record<string, string | undefined>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Run the CLI with node + tsx, connected to the test producer unless `env` says otherwise. */
function courierCli(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return run(process.execPath, ['--import', 'tsx', CLI, ...args], { COURIER_URL: courier.url, COURIER_API_KEY: API_KEY, ...env });
}

/** Run the CLI's `runCli` in this process with captured output. */
async function inProcess(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, cwd: courier.dir });
  return { code, stdout, stderr };
}

const unique = (label: string): string => `${label}-${randomUUID().slice(0, 8)}@example.com`;

function writeConfig(name: string, config: unknown): string {
  const path = join(courier.dir, name);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

describe('courier config validate', { timeout: 60_000 }, () => {
  const SMTP_PASSWORD = 'Sup3r-S3cret-SMTP-pw';
  const PRODUCER_KEY = 'producer-key-never-printed-0123456789';
  const BASIC_PASSWORD = 'basic-auth-secret-pw';

  it('prints "config OK" and a summary without any secret', async () => {
    const path = writeConfig('valid.json', {
      courier: {
        smtp: { connection_uri: `smtp://mailer:${SMTP_PASSWORD}@smtp.example.com:2525/`, from_address: 'noreply@example.com' },
        channels: [
          {
            id: 'sms',
            type: 'http',
            request_config: {
              url: 'https://sms.example.com/hooks/T0PATHTOKEN?token=QUERYTOKEN',
              auth: { type: 'basic_auth', config: { user: 'u', password: BASIC_PASSWORD } },
            },
          },
        ],
        message_retries: 7,
        templates: { recovery_code: { valid: { email: { subject: 'base64://e3sgLlN1YmplY3QgfX0=' } } } },
      },
      producer: { api_keys: [PRODUCER_KEY] },
    });
    const human = await courierCli(['config', 'validate', '--config', path]);
    expect(human.stderr).toBe('');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^config OK/);
    expect(human.stdout).toContain('delivery strategy: smtp (smtp.example.com:2525, tls starttls, with auth');
    expect(human.stdout).toContain('sms -> http https://sms.example.com');
    expect(human.stdout).toContain('message retries:   7 (up to 8 attempts');
    expect(human.stdout).toContain('recovery_code.valid.email');
    expect(human.stdout).toContain('1 API key');

    const machine = await courierCli(['config', 'validate', '--config', path, '--json']);
    expect(machine.code).toBe(0);
    const summary = JSON.parse(machine.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      ok: true,
      delivery_strategy: 'smtp',
      smtp: { host: 'smtp.example.com', port: 2525, auth: true },
      channels: [{ id: 'email' }, { id: 'sms', via: 'http https://sms.example.com' }],
      message_retries: 7,
    });
    for (const out of [human.stdout, machine.stdout]) {
      for (const secret of [SMTP_PASSWORD, PRODUCER_KEY, BASIC_PASSWORD, 'T0PATHTOKEN', 'QUERYTOKEN', 'mailer']) expect(out).not.toContain(secret);
    }
  });

  it('exits 2 naming each bad key path, without the secret, for an invalid config', async () => {
    const path = writeConfig('invalid.json', {
      courier: { smtp: { connection_uri: `smtpx://mailer:${SMTP_PASSWORD}@smtp.example.com/` }, message_retries: -1 },
      producer: { api_keys: ['short'] },
    });
    const res = await courierCli(['config', 'validate', '--config', path]);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('courier.smtp.connection_uri');
    expect(res.stderr).toContain('courier.message_retries');
    expect(res.stderr).toContain('producer.api_keys.0');
    expect(res.stderr).not.toContain(SMTP_PASSWORD);
    expect(res.stderr).not.toContain('short');

    const missing = await courierCli(['config', 'validate', '--config', join(courier.dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read config file');
  });

  it('takes the file from COURIER_CONFIG, relative to the working directory, and environment overrides, as the apps do', async () => {
    writeConfig('env.json', { courier: { smtp: { connection_uri: 'smtp://smtp.example.com/' } } });
    const ok = await inProcess(['config', 'validate'], { COURIER_CONFIG: 'env.json', COURIER_MESSAGE_RETRIES: '2' });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`config OK (config file ${join(courier.dir, 'env.json')})`);
    expect(ok.stdout).toContain('message retries:   2');
    const bad = await inProcess(['config', 'validate'], { COURIER_CONFIG: 'env.json', COURIER_MESSAGE_RETRIES: 'many' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('courier.message_retries');
    expect(bad.stderr).not.toContain('many');
  });
});

describe('courier send and messages', { timeout: 60_000 }, () => {
  it('sends a templated e-mail through `pnpm courier` and shows it with messages get', async () => {
    const to = unique('cli-templated');
    const sent = await run('pnpm', ['-s', 'courier', 'send', '--to', to, '--template', 'recovery_code_valid', '--data', '{"recovery_code":"975312"}', '--json'], {
      COURIER_URL: courier.url,
      COURIER_API_KEY: API_KEY,
    });
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    const { id, status, replayed } = JSON.parse(sent.stdout) as { id: string; status: string; replayed: boolean };
    expect([status, replayed]).toEqual(['queued', false]);

    const json = await courierCli(['messages', 'get', id, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ id, recipient: to, template_type: 'recovery_code_valid', template_data: { recovery_code: '975312' }, status: 'queued' });

    const human = await courierCli(['messages', 'get', id]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^id:\\s+${id}$`, 'm'));
    expect(human.stdout).toMatch(/^status:\s+queued$/m);
    expect(human.stdout).toMatch(/^template data:\s+recovery_code$/m);
    expect(human.stdout).toContain('dispatches: none');
    // One-time codes are shown only to those who ask for JSON.
    expect(human.stdout).not.toContain('975312');
  });

  it('sends raw e-mail idempotently and an SMS, then lists them as a table and as JSON', async () => {
    const to = unique('cli-raw');
    const key = `cli-${randomUUID()}`;
    const args = ['send', '--to', to, '--subject', 'Hello from the CLI', '--body', 'plain', '--html', '<p>html</p>', '--idempotency-key', key, '--delay-ms', '3600000'];
    const first = await courierCli(args);
    expect(first.code).toBe(0);
    const id = /^queued (\S+)$/m.exec(first.stdout)?.[1];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const second = await courierCli(args);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`queued ${id} (already accepted earlier with this idempotency key)`);
    const other = await courierCli(['send', '--to', to, '--template', 'login_code_valid', '--data', '{"login_code":"4242"}', '--delay-ms', '3600000']);
    expect(other.code).toBe(0);
    const sms = await courierCli(['send', '--type', 'sms', '--to', '+15550123', '--body', 'sms from the CLI', '--delay-ms', '3600000', '--json']);
    expect(sms.code).toBe(0);
    const smsId = (JSON.parse(sms.stdout) as { id: string }).id;
    expect(JSON.parse((await courierCli(['messages', 'get', smsId, '--json'])).stdout)).toMatchObject({ type: 'sms', channel: 'sms', body: 'sms from the CLI' });
    const expiring = await courierCli(['send', '--type', 'sms', '--to', '+15550124', '--body', 'code 1', '--delay-ms', '3600000', '--ttl', '7200', '--json']);
    expect(expiring.code).toBe(0);
    const expiringId = (JSON.parse(expiring.stdout) as { id: string }).id;
    expect(JSON.parse((await courierCli(['messages', 'get', expiringId, '--json'])).stdout)).toMatchObject({ expires_at: expect.any(String) });

    const table = await courierCli(['messages', 'list', '--recipient', to]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+TYPE\s+RECIPIENT\s+CONTENT\s+SENDS\s+CREATED$/);
    expect(lines).toHaveLength(3);
    // Lists carry no content (a subject may hold a code): a raw message shows as such.
    expect(lines.find((l) => l.startsWith(id!))).toMatch(/queued\s+email\s+\S+\s+\(raw\)\s+0\s+/);
    expect(table.stdout).not.toContain('Hello from the CLI');
    expect(lines.some((l) => l.includes('login_code_valid'))).toBe(true);

    const json = await courierCli(['messages', 'list', '--recipient', to, '--status', 'queued', '--json']);
    const listed = JSON.parse(json.stdout) as { id: string; recipient: string }[];
    expect(listed).toHaveLength(2);
    expect(listed.every((m) => m.recipient === to)).toBe(true);

    const limited = await courierCli(['messages', 'list', '--recipient', to, '--limit', '1', '--json']);
    expect(limited.code).toBe(0);
    expect(JSON.parse(limited.stdout)).toHaveLength(1);
    expect(limited.stderr).toContain('more match');

    const none = await courierCli(['messages', 'list', '--recipient', to, '--status', 'sent']);
    expect(none.stdout).toBe('no messages\n');
  });

  it('keeps terminal escape sequences in message fields off the terminal', async () => {
    const to = unique('cli-escape');
    const env = { COURIER_URL: courier.url, COURIER_API_KEY: API_KEY };
    const sent = await inProcess(['send', '--to', to, '--subject', 'red \u001b[31malert\u001b[0m', '--body', 'b', '--delay-ms', '3600000', '--json'], env);
    expect(sent.code).toBe(0);
    const { id } = JSON.parse(sent.stdout) as { id: string };
    const table = await inProcess(['messages', 'list', '--recipient', to], env);
    const detail = await inProcess(['messages', 'get', id], env);
    // The list shows no subject at all; the detail shows it made safe.
    expect(table.stdout).not.toContain('alert');
    expect(detail.stdout).toContain('red ?[31malert?[0m');
    for (const out of [table.stdout, detail.stdout]) expect(out).not.toContain('\u001b');
    // JSON keeps the data as it is (escaped by JSON itself).
    const json = await inProcess(['messages', 'get', id, '--json'], env);
    expect((JSON.parse(json.stdout) as { subject: string }).subject).toBe('red \u001b[31malert\u001b[0m');
  });

  it('cancels a queued message, and explains why a queued message cannot be retried', async () => {
    const sent = await courierCli(['send', '--to', unique('cli-cancel'), '--subject', 's', '--body', 'b', '--delay-ms', '3600000', '--json']);
    const { id } = JSON.parse(sent.stdout) as { id: string };
    const retry = await courierCli(['messages', 'retry', id]);
    expect(retry.code).toBe(1);
    expect(retry.stderr).toContain('not_retryable (HTTP 409)');
    const cancel = await courierCli(['messages', 'cancel', id]);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toBe(`cancelled ${id}\n`);
  });
});

describe('courier errors', { timeout: 60_000 }, () => {
  it('exits 1 with the API error on stderr: 401 without echoing the key, 400 with field paths, 404', async () => {
    const wrong = 'cli-wrong-key-0123456789abcdef';
    const denied = await courierCli(['messages', 'list'], { COURIER_API_KEY: wrong });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('unauthorized (HTTP 401)');
    expect(denied.stderr).not.toContain(wrong);
    const bad = await courierCli(['send', '--to', 'not-an-address', '--subject', 's', '--body', 'b']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('invalid_request (HTTP 400)');
    expect(bad.stderr).toMatch(/^ {2}- recipient: /m);
    // Scheduled no earlier than its expiry: the API's refusal comes through with the field.
    const late = await courierCli(['send', '--to', 'late@example.com', '--subject', 's', '--body', 'b', '--delay-ms', '120000', '--ttl', '60']);
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/^ {2}- delay_ms: must be before the message expires \(ttl_seconds\)$/m);
    const filter = await courierCli(['messages', 'list', '--status', 'lost']);
    expect(filter.code).toBe(1);
    expect(filter.stderr).toMatch(/^ {2}- query\.status: /m);
    const missing = await courierCli(['messages', 'get', randomUUID()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('not_found (HTTP 404)');
  });

  it('exits 1 on a recipient rate limit, printing rate_limited and when to try again', async () => {
    const to = unique('cli-limited');
    const first = await courierCli(['send', '--to', to, '--template', 'recovery_code_invalid']);
    expect(first.code).toBe(0);
    const limited = await courierCli(['send', '--to', to, '--template', 'recovery_code_invalid']);
    expect(limited.code).toBe(1);
    expect(limited.stderr).toContain('rate_limited (HTTP 429)');
    expect(limited.stderr).toMatch(/^ {2}- recipient: recipient limit reached/m);
    expect(limited.stderr).toMatch(/this may succeed if tried again in \d+ s/);
  });

  it('exits 2 on usage errors before contacting the server', async () => {
    const cases: [string[], RegExp][] = [
      [['send', '--subject', 's', '--body', 'b'], /--to/],
      [['send', '--to', 'a@example.com', '--template', 'login_code_valid', '--body', 'b'], /not both/],
      [['send', '--to', 'a@example.com', '--template', 'login_code_valid', '--data', '{oops'], /--data must be a JSON object/],
      [['send', '--to', 'a@example.com', '--data', '{}', '--body', 'b'], /--data goes with --template/],
      [['send', '--to', 'a@example.com', '--body', 'b', '--type', 'fax'], /--type/],
      [['send', '--to', 'a@example.com', '--body', 'b', '--priority', '0'], /--priority/],
      [['messages', 'list', '--limit', 'ten'], /--limit/],
      [['messages', 'get'], /message id/],
      [['messages', 'get', 'a', 'b'], /unexpected argument "b"/],
      [['messages', 'list', '--colour', 'red'], /Unknown option '--colour'/],
      [['config', 'validate', '--url', 'http://x'], /Unknown option '--url'/],
      [['messages'], /subcommand: list, get, retry, cancel/],
      [['deliver'], /unknown command "deliver"/],
      [[], /no command/],
    ];
    // In-process (the same runCli main.ts calls), with a URL nothing listens on: a usage error must come first.
    const port = await freePort();
    for (const [args, expected] of cases) {
      const res = await inProcess(args, { COURIER_URL: `http://127.0.0.1:${port}`, COURIER_API_KEY: API_KEY });
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr, args.join(' ')).toMatch(expected);
      expect(res.stderr).not.toContain('network_error');
    }
    const noKey = await inProcess(['messages', 'list'], { COURIER_URL: courier.url });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('no API key');
    const help = await courierCli(['messages', 'list', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: courier messages list');
    expect((await inProcess(['--help'], {})).stdout).toContain('courier config validate');
  });

  it('exits 1 when the server cannot be reached, saying so', async () => {
    const port = await freePort();
    const res = await courierCli(['messages', 'list', '--url', `http://127.0.0.1:${port}`]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('network_error');
    expect(res.stderr).toContain('ECONNREFUSED');
    expect(res.stderr).not.toContain(API_KEY);
  });
});
