/**
 * Fault: an HTTP provider rate-limits with 429 and `Retry-After: 2` for a while,
 * at volume. Every message must wait at least the Retry-After before its next
 * attempt (the backoff alone is far shorter here), and all must be sent in the end.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startHttpSink, type HttpSink } from '@courier/testkit';
import { createDeployment, type Deployment } from '../support/deployment.js';
import { spawnWorker, type WorkerProcess } from '../support/worker-process.js';
import { killChild } from './support.js';

const COUNT = 20;
const RETRY_AFTER_S = 2;
/** The provider limits every message's first attempts: two rounds of 429s each, then 200. */
const LIMITED_ATTEMPTS = 2;
const SMS_BODY = Buffer.from('function(ctx) { to: ctx.recipient, text: ctx.body }').toString('base64');

let http: HttpSink | undefined;
let d: Deployment | undefined;
let worker: WorkerProcess | undefined;

afterAll(async () => {
  await killChild(worker);
  await d?.cleanup();
  await http?.close();
});

interface Answered {
  readonly to: string;
  readonly at: number;
  readonly status: number;
}

describe('HTTP 429 with Retry-After at volume', () => {
  it(`${COUNT} messages limited ${LIMITED_ATTEMPTS} times each: none retried before its Retry-After, all sent`, async () => {
    http = await startHttpSink();
    d = await createDeployment({
      courier: {
        // Only the SMS channel is used; e-mail needs a URI all the same.
        smtp: { connection_uri: 'smtp://127.0.0.1:9/?disable_starttls=true' },
        channels: [{ id: 'sms', type: 'http', request_config: { url: `${http.url}/sms`, body: `base64://${SMS_BODY}` } }],
        message_retries: 5,
      },
      // Backoff alone would retry within 250 ms: only Retry-After explains a 2 s gap.
      worker: { concurrency: COUNT, backoff: { base_ms: 50, max_ms: 250 } },
    });
    const answered: Answered[] = [];
    http.setResponder((req) => {
      const to = (JSON.parse(req.body) as { to: string }).to;
      const at = req.receivedAt.getTime();
      const earlier = answered.filter((a) => a.to === to).length;
      const status = earlier < LIMITED_ATTEMPTS ? 429 : 200;
      answered.push({ to, at, status });
      return status === 429 ? { status, headers: { 'Retry-After': String(RETRY_AFTER_S) }, body: 'slow down' } : { status };
    });
    worker = await spawnWorker(d.configPath);

    const tag = Date.now() % 100_000;
    const payloads = await d.enqueue(
      Array.from({ length: COUNT }, (_, i) => ({ type: 'sms' as const, recipient: `+1555${tag}${String(i).padStart(3, '0')}`, body: `limited ${i}` })),
    );
    const started = Date.now();
    await d.waitForStatuses((c) => c['sent'] === COUNT, 40_000);
    const took = Date.now() - started;
    expect(await d.statusCounts()).toMatchObject({ sent: COUNT, abandoned: 0, error: 0, processing: 0, queued: 0 });

    let minGapAfter429 = Infinity;
    for (const p of payloads) {
      const attempts = answered.filter((a) => a.to === p.recipient);
      // Limited twice, then one success and nothing after it.
      expect(attempts.map((a) => a.status)).toEqual([429, 429, 200]);
      for (let i = 1; i < attempts.length; i++) {
        const gap = attempts[i]!.at - attempts[i - 1]!.at;
        // The 429 answer left after the request arrived, and the retry is scheduled from
        // when the worker read it, so on one clock the gap can only be longer.
        expect(gap).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1_000);
        minGapAfter429 = Math.min(minGapAfter429, gap);
      }
      const m = await d.store.get(p.id);
      expect(m?.status).toBe('sent');
      expect(m?.send_count).toBe(attempts.length);
      expect(m?.dispatches.map((x) => x.status)).toEqual([...attempts.slice(0, -1).map(() => 'failed'), 'success']);
      expect(m?.dispatches.slice(0, -1).every((x) => x.error?.code === 'HTTP_STATUS_RETRYABLE' && x.error.retryable)).toBe(true);
    }
    console.info(
      `[faults] 429 at volume: ${answered.length} requests (${answered.filter((a) => a.status === 429).length} answered 429), ` +
        `shortest gap after a 429 ${minGapAfter429} ms, all ${COUNT} sent after ${took} ms`,
    );
  }, 60_000);
});
