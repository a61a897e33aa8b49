/**
 * Slow clients cannot hold the producer's connections: headers or a body
 * trickled a byte at a time are cut off after `producer.timeouts`, on public
 * routes (no key) as on authenticated ones, and an idle keep-alive connection
 * is closed after its timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trickle } from '@courier/testkit';
import { startProducer, type TestProducer } from './support/producer.js';

let p: TestProducer;
let port: number;
const TIMEOUTS = { request_ms: 2_000, headers_ms: 1_000, keep_alive_ms: 500 };
// The server checks its connections periodically: allow for that, and for a loaded machine.
const SLACK_MS = 2_500;

beforeAll(async () => {
  p = await startProducer({ producer: { timeouts: TIMEOUTS } });
  port = Number(new URL(p.url).port);
});

afterAll(async () => {
  await p.close();
});

describe('producer timeouts', () => {
  it('closes a connection whose headers never finish (slow loris)', async () => {
    const r = await trickle(port, 'GET /health/alive HTTP/1.1\r\nHost: x\r\n', 'X-Slow: aaaaaaaa\r\n', 200, 20_000);
    expect(r.closedByServer).toBe(true);
    expect(r.closedAfterMs).toBeLessThan(TIMEOUTS.headers_ms + SLACK_MS);
  });

  it('closes a connection whose body trickles in, without a key on a public route', async () => {
    const head = 'POST /health/alive HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n';
    const r = await trickle(port, head, '{', 300, 20_000);
    expect(r.closedByServer).toBe(true);
    expect(r.closedAfterMs).toBeLessThan(TIMEOUTS.request_ms + SLACK_MS);
  });

  it('closes a connection whose body trickles in on POST /messages', async () => {
    const head = 'POST /messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-key-0123456789abcdef\r\n' + 'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n';
    const r = await trickle(port, head, '{"recipient":', 300, 20_000);
    expect(r.closedByServer).toBe(true);
    expect(r.closedAfterMs).toBeLessThan(TIMEOUTS.request_ms + SLACK_MS);
  });

  it('closes an idle keep-alive connection after keep_alive_ms', async () => {
    const r = await trickle(port, 'GET /health/alive HTTP/1.1\r\nHost: x\r\n\r\n', '', 60_000, 20_000);
    expect(r.response).toContain('200 OK');
    expect(r.closedByServer).toBe(true);
    expect(r.closedAfterMs).toBeLessThan(TIMEOUTS.keep_alive_ms + SLACK_MS);
  });

  it('defaults to 30 s request, 10 s headers and 5 s keep-alive timeouts', async () => {
    const d = await startProducer();
    try {
      const server = d.producer.app.server;
      expect([server.requestTimeout, server.headersTimeout, server.keepAliveTimeout]).toEqual([30_000, 10_000, 5_000]);
    } finally {
      await d.close();
    }
  });
});
