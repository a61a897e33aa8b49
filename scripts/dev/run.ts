/**
 * The quick start's runner: a local Redis (the one on REDIS_URL / 127.0.0.1:6379,
 * or a private redis-server started on 6379), the dev catcher, the producer on
 * :4000 and a worker, with the dev config in infra/dev/courier.dev.yaml.
 *
 *   pnpm dev                 run until Ctrl-C (`tsx --conditions=source scripts/dev/run.ts`)
 *   pnpm dev -- --smoke      send an e-mail and an SMS, check they arrive, exit
 *
 * The apps run from their sources through tsx, or from their build when
 * `COURIER_APPS_FROM=dist` (what scripts/quickstart.sh does after `pnpm build`).
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { defaultAppEntry, spawnCourier, startRedisServer, waitForRedis, type CourierProcess, type RedisServer } from '@courier/testkit';
import { startCatcher } from './catcher/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG = `${ROOT}infra/dev/courier.dev.yaml`;
const API = 'http://127.0.0.1:4000';
const KEY = 'dev-courier-key-change-me';
const CAUGHT = 'http://127.0.0.1:8025';
const smoke = process.argv.includes('--smoke');

function echo(name: string, p: CourierProcess): void {
  createInterface({ input: p.child.stdout! }).on('line', (text) => {
    try {
      const l = JSON.parse(text) as Record<string, unknown>;
      const extra = ['message_id', 'outcome', 'status', 'error_code', 'error', 'port', 'health_port']
        .filter((k) => l[k] !== undefined)
        .map((k) => `${k}=${String(l[k])}`)
        .join(' ');
      if (l['msg'] !== 'incoming request' && l['msg'] !== 'request completed') console.log(`[${name}] ${String(l['level'])} ${String(l['msg'])} ${extra}`);
    } catch {
      console.log(`[${name}] ${text}`);
    }
  });
  createInterface({ input: p.child.stderr! }).on('line', (text) => console.error(`[${name}] ${text}`));
}

async function ensureRedis(): Promise<RedisServer | undefined> {
  const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  try {
    await waitForRedis(url, 1_500);
    console.log(`[dev] using Redis at ${url}`);
    return undefined;
  } catch {
    if (process.env['REDIS_URL'] !== undefined) throw new Error(`Redis at ${url} does not answer`);
    const dir = `${ROOT}.courier-dev/redis`;
    mkdirSync(dir, { recursive: true });
    const server = await startRedisServer({ port: 6379, dir, appendOnly: true });
    console.log(`[dev] started redis-server on 6379 (data in .courier-dev/redis)`);
    return server;
  }
}

async function post(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${API}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function main(): Promise<void> {
  const redis = await ensureRedis();
  const catcher = await startCatcher({
    smtpPort: 1025,
    httpPort: 8025,
    onCaught: (c) => {
      console.log(`[catcher] ${c.kind} to ${c.to}${c.subject ? ` "${c.subject}"` : ''}: ${c.text.split('\n')[0]?.slice(0, 100) ?? ''}`);
    },
  });
  const env: Record<string, string> = process.env['REDIS_URL'] === undefined ? {} : { REDIS_URL: process.env['REDIS_URL'] };
  console.log(defaultAppEntry() === 'dist' ? '[dev] starting the apps from their build (dist/main.js)' : '[dev] starting the apps from their sources (tsx)');
  const [producer, worker] = await Promise.all([spawnCourier('producer', CONFIG, env), spawnCourier('worker', CONFIG, env)]);
  echo('producer', producer);
  echo('worker', worker);

  const stop = async (code: number): Promise<never> => {
    for (const p of [producer, worker]) p.kill('SIGTERM');
    await Promise.all([producer.exited, worker.exited]);
    await catcher.close();
    await redis?.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));

  console.log(`
Courier is running.
  API        ${API}   (API key: ${KEY})
  Dashboard  ${API}/admin/queues   (user: anything, password: the API key)
  OpenAPI    ${API}/openapi.json
  Worker     http://127.0.0.1:4001/health/ready  and  /metrics
  Caught     ${CAUGHT}/   (mail viewer: e-mail sent to SMTP :1025, SMS posted to :8025/sms,
             anything an HTTP delivery sends to :8025/http/...; JSON at ${CAUGHT}/api/messages)

Try:
  curl -s ${API}/messages -H 'Authorization: Bearer ${KEY}' -H 'Content-Type: application/json' \\
    -d '{"recipient":"you@example.com","template_type":"recovery_code_valid","template_data":{"recovery_code":"123456"}}'
`);

  if (smoke) {
    const email = await post('/messages', { recipient: 'smoke@example.com', template_type: 'recovery_code_valid', template_data: { recovery_code: '246810' } });
    const sms = await post('/messages', { type: 'sms', recipient: '+15550100', template_type: 'login_code_valid', template_data: { login_code: '135790' } });
    if (email.status !== 202 || sms.status !== 202) {
      console.error(`[smoke] enqueue failed: ${JSON.stringify([email, sms])}`);
      await stop(1);
    }
    // Read what arrived the way a script would: the catcher's JSON API.
    const arrived = async (): Promise<boolean> => {
      const caught = (await (await fetch(`${CAUGHT}/api/messages`)).json()) as { kind: string; text: string }[];
      return caught.some((c) => c.kind === 'email' && c.text.includes('246810')) && caught.some((c) => c.kind === 'sms' && c.text.includes('135790'));
    };
    const deadline = Date.now() + 30_000;
    let ok = await arrived();
    while (!ok && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      ok = await arrived();
    }
    const viewer = await fetch(`${CAUGHT}/`);
    const viewerOk = viewer.status === 200 && (viewer.headers.get('content-type') ?? '').startsWith('text/html');
    if (!viewerOk) console.error(`[smoke] the mail viewer at ${CAUGHT}/ answered ${viewer.status} ${viewer.headers.get('content-type') ?? ''}`);
    ok = ok && viewerOk;
    console.log(ok ? '[smoke] OK: the e-mail and the SMS arrived' : '[smoke] FAILED: not delivered within 30 s');
    await stop(ok ? 0 : 1);
  }
}

main().catch((err: unknown) => {
  console.error(`[dev] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
