/**
 * `courier config validate` on fallback configuration: a valid chain is summarised
 * (fallbacks and the circuit breaker), a bad one exits 2 naming each key path; and
 * `messages get` shows which channel each dispatch used.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { messageDetail } from '../src/cli/format.js';
import { runCli } from '../src/cli/run.js';

const dir = mkdtempSync(join(tmpdir(), 'courier-fallback-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function validate(config: unknown, json = false) {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(config));
  let stdout = '';
  let stderr = '';
  const code = await runCli(['config', 'validate', '--config', path, ...(json ? ['--json'] : [])], {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: {},
    cwd: dir,
  });
  return { code, stdout, stderr };
}

const PASSWORD = 'backup-relay-pw-never-shown';

describe('courier config validate: fallbacks', () => {
  it('summarises fallbacks, SMTP channels (host only) and the circuit breaker', async () => {
    const config = {
      courier: {
        smtp: { connection_uri: 'smtp://smtp.example.com:587/' },
        fallback: ['backup'],
        channels: [
          { id: 'backup', type: 'smtp', smtp: { connection_uri: `smtps://relay:${PASSWORD}@backup.example.com/` }, fallback: ['mail-api'] },
          { id: 'mail-api', type: 'http', request_config: { url: 'https://mail.example.com/send' } },
        ],
        circuit_breaker: { failure_threshold: 3 },
      },
    };
    const human = await validate(config);
    expect(human.stderr).toBe('');
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(
      'email -> smtp smtp.example.com:587 (fallback: backup), backup -> smtp backup.example.com:465 (fallback: mail-api), mail-api -> http https://mail.example.com',
    );
    expect(human.stdout).toContain('circuit breaker:   opens after 3 transient failures within 60000 ms, probes after 30000 ms (per worker process)');
    const machine = await validate(config, true);
    expect(JSON.parse(machine.stdout)).toMatchObject({
      channels: [{ id: 'email', fallback: ['backup'] }, { id: 'backup', via: 'smtp backup.example.com:465', fallback: ['mail-api'] }, { id: 'mail-api' }],
      circuit_breaker: { failure_threshold: 3, window_ms: 60_000, open_ms: 30_000 },
    });
    for (const out of [human.stdout, machine.stdout]) {
      expect(out).not.toContain(PASSWORD);
      expect(out).not.toContain('relay');
    }
  });

  it('exits 2 with one line per fallback problem, naming its key path', async () => {
    const res = await validate({
      courier: {
        fallback: ['nope'],
        channels: [
          { id: 'sms', type: 'http', request_config: { url: 'https://sms.example.com/' }, fallback: ['backup'] },
          { id: 'backup', type: 'smtp', smtp: { connection_uri: 'smtp://backup.example.com/' }, fallback: ['backup'] },
        ],
      },
    });
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('courier.fallback.0: no channel "nope" is configured (have: email, sms, backup)');
    expect(res.stderr).toContain('courier.channels.0.fallback.0: channel "sms" carries sms messages, "backup" carries email only');
    expect(res.stderr).toContain('courier.channels.1.fallback.0: channel "backup" cannot fall back to itself');
  });
});

describe('courier messages get: dispatches of a channel with fallbacks', () => {
  it('adds a CHANNEL column naming the channel used and the ones that failed before it', () => {
    const base = { id: 'm1', type: 'email', channel: 'email', recipient: 'a@example.com', status: 'sent', send_count: 1, created_at: 't0', updated_at: 't1' } as const;
    const plain = messageDetail({ ...base, dispatches: [{ at: 't1', status: 'success' }] });
    expect(plain).not.toContain('CHANNEL');
    const routed = messageDetail({
      ...base,
      dispatches: [{ at: 't1', status: 'success', channel: 'backup', failed_channels: [{ channel: 'email', code: 'SMTP_TRANSIENT' }] }],
    });
    expect(routed).toMatch(/AT\s+STATUS\s+CHANNEL\s+CODE\s+ERROR/);
    expect(routed).toContain('backup (after email SMTP_TRANSIENT)');
  });
});
