/**
 * The suppression list through the typed client and the `courier` CLI, against a real
 * producer and worker (child processes), real Redis and the SMTP sink: a 550 5.1.1 at
 * RCPT TO puts the recipient on the list, the next message to it is abandoned unsent,
 * and deleting the entry lets the one after through.
 */
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CourierApiError, createCourierClient, type CourierClient, type Message } from '../src/index.js';
import { runCli } from '../src/cli/run.js';
import { API_KEY, REPO_ROOT, eventually, startCourier, type TestCourier } from './support/courier.js';

let courier: TestCourier;
let client: CourierClient;
/** Recipients the SMTP sink refuses with 550 5.1.1. */
const unknown = new Set<string>();
/** RCPT TO commands the sink saw per recipient. */
const rcpts = new Map<string, number>();

beforeAll(async () => {
  courier = await startCourier('client-suppression', { suppression: { enabled: true } });
  await courier.startWorker();
  courier.smtp.setResponder((mail) => {
    const to = mail.to[0] ?? '';
    rcpts.set(to, (rcpts.get(to) ?? 0) + 1);
    return unknown.has(to) ? { code: 550, message: '5.1.1 No such user' } : undefined;
  });
  client = createCourierClient({ baseUrl: courier.url, apiKey: API_KEY });
});

afterAll(async () => {
  await courier?.close();
});

const unique = (label: string): string => `${label}-${randomUUID().slice(0, 8)}@example.com`;

async function finished(id: string): Promise<Message> {
  return eventually(async () => {
    const m = await client.get(id);
    return m.status === 'sent' || m.status === 'abandoned' ? m : undefined;
  });
}

async function cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: { COURIER_URL: courier.url, COURIER_API_KEY: API_KEY },
    cwd: courier.dir,
  });
  return { code, stdout, stderr };
}

describe('suppressions through the client', { timeout: 60_000 }, () => {
  it('lists the refused recipient, abandons the next message unsent, and sends again once deleted', async () => {
    const gone = unique('gone');
    unknown.add(gone);
    const first = await client.send({ type: 'email', recipient: gone, subject: 'Hi', body: 'One' });
    expect((await finished(first.id)).dispatches[0]?.error?.code).toBe('SMTP_PERMANENT');
    const entry = await client.getSuppression(gone.toUpperCase());
    expect(entry).toMatchObject({ address: gone, code: '5.1.1', source: 'delivery', channel: 'email', message_id: first.id });
    const page = await client.listSuppressions({ pageSize: 1000 });
    expect(page.suppressions.map((s) => s.address)).toContain(gone);

    const second = await client.send({ type: 'email', recipient: gone, subject: 'Hi', body: 'Two' });
    const m2 = await finished(second.id);
    expect(m2.status).toBe('abandoned');
    expect(m2.dispatches[0]?.error?.code).toBe('RECIPIENT_SUPPRESSED');
    expect(rcpts.get(gone)).toBe(1);

    unknown.delete(gone);
    await client.deleteSuppression(gone);
    const missing = await client.getSuppression(gone).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(missing).toBeInstanceOf(CourierApiError);
    expect(missing).toMatchObject({ status: 404, code: 'not_found' });
    const third = await client.send({ type: 'email', recipient: gone, subject: 'Hi', body: 'Three' });
    expect((await finished(third.id)).status).toBe('sent');
    expect(rcpts.get(gone)).toBe(2);
  });

  it('adds by hand, pages, and clears', async () => {
    const manual = unique('manual');
    expect(await client.addSuppression(manual, 'unsubscribed')).toMatchObject({ address: manual, source: 'api', code: 'manual', detail: 'unsubscribed' });
    const addresses = [unique('p1'), unique('p2'), unique('p3')];
    for (const a of addresses) await client.addSuppression(a);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.listSuppressions({ pageSize: 2, ...(token === undefined ? {} : { pageToken: token }) });
      expect(page.suppressions.length).toBeLessThanOrEqual(2);
      seen.push(...page.suppressions.map((s) => s.address));
      token = page.nextPageToken;
    } while (token !== undefined);
    expect(seen).toEqual(expect.arrayContaining([manual, ...addresses]));
    expect(await client.clearSuppressions()).toBe(seen.length);
    expect((await client.listSuppressions()).suppressions).toEqual([]);
  });
});

describe('courier suppressions', { timeout: 60_000 }, () => {
  it('adds, lists, gets, deletes and clears', async () => {
    const a = unique('cli');
    const added = await cli(['suppressions', 'add', a, '--note', 'by hand']);
    expect(added).toMatchObject({ code: 0, stdout: `suppressed ${a}\n` });
    const listed = await cli(['suppressions', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ADDRESS +CODE +SOURCE/);
    expect(listed.stdout).toContain(a);
    const got = await cli(['suppressions', 'get', a, '--json']);
    expect(JSON.parse(got.stdout)).toMatchObject({ address: a, code: 'manual', detail: 'by hand' });
    const human = await cli(['suppressions', 'get', a]);
    expect(human.stdout).toMatch(/^address: +/m);
    expect(human.stdout).toContain('by hand');

    expect(await cli(['suppressions', 'delete', a])).toMatchObject({ code: 0, stdout: `deleted ${a} from the suppression list\n` });
    const gone = await cli(['suppressions', 'get', a]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('not_found (HTTP 404)');

    await cli(['suppressions', 'add', unique('x')]);
    const unconfirmed = await cli(['suppressions', 'clear']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('--yes');
    expect(await cli(['suppressions', 'clear', '--yes'])).toMatchObject({ code: 0, stdout: 'deleted 1 entry\n' });
    expect((await cli(['suppressions', 'list'])).stdout).toBe('no suppressed addresses\n');

    const noAddress = await cli(['suppressions', 'get']);
    expect(noAddress).toMatchObject({ code: 2 });
    expect(noAddress.stderr).toContain('needs an address');
    const group = await cli(['suppressions']);
    expect(group).toMatchObject({ code: 2 });
    expect(group.stderr).toContain('subcommand: list, get, add, delete, clear');
    expect((await cli(['suppressions', 'delete', '--help'])).stdout).toContain('Usage: courier suppressions delete <address>');
    expect((await cli(['--help'])).stdout).toContain('courier suppressions list');
    const bad = await cli(['suppressions', 'add', 'has space@example.com']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('invalid_request');
  });

  it('runs as a child process, as users run it', async () => {
    const a = unique('child');
    await client.addSuppression(a);
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'packages/courier-client/src/cli/main.ts', 'suppressions', 'list', '--json'], {
        cwd: REPO_ROOT,
        env: { PATH: process.env['PATH'] ?? '', COURIER_URL: courier.url, COURIER_API_KEY: API_KEY },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(out.code).toBe(0);
    expect((JSON.parse(out.stdout) as { address: string }[]).map((e) => e.address)).toContain(a);
  });
});
