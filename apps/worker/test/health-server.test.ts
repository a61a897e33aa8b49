/**
 * The worker's health server cuts off slow clients as the producer does
 * (`worker.timeouts`): trickled headers or body, and idle keep-alive connections.
 * Readiness answers generic reasons and hands the detail to the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { parseConfig } from '@courier/core';
import { trickle } from '@courier/testkit';
import { PublicReadinessError, startHealthServer, type HealthServer } from '../src/ops/health-server.js';

const TIMEOUTS = { request_ms: 2_000, headers_ms: 1_000, keep_alive_ms: 500 };
const SLACK_MS = 2_500;
let server: HealthServer;
let port: number;

beforeAll(async () => {
  ({ server, port } = await startHealthServer({ host: '127.0.0.1', port: 0, checks: {}, registry: new Registry(), timeouts: TIMEOUTS }));
});

afterAll(async () => {
  await server.close();
});

describe('worker health server timeouts', () => {
  it('closes a connection whose headers never finish', async () => {
    const r = await trickle(port, 'GET /health/alive HTTP/1.1\r\nHost: x\r\n', 'X-Slow: aaaaaaaa\r\n', 200, 20_000);
    expect(r.closedByServer).toBe(true);
    expect(r.closedAfterMs).toBeLessThan(TIMEOUTS.headers_ms + SLACK_MS);
  });

  it('closes a connection whose body trickles in', async () => {
    const head = 'POST /health/alive HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n';
    const r = await trickle(port, head, '{', 300, 20_000);
    expect(r.closedByServer).toBe(true);
    expect(r.closedAfterMs).toBeLessThan(TIMEOUTS.request_ms + SLACK_MS);
  });

  it('closes an idle keep-alive connection', async () => {
    const r = await trickle(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n', '', 60_000, 20_000);
    expect(r.response).toContain('200 OK');
    expect(r.closedByServer).toBe(true);
    expect(r.closedAfterMs).toBeLessThan(TIMEOUTS.keep_alive_ms + SLACK_MS);
  });

  it('has configurable timeouts with the producer defaults', () => {
    expect(parseConfig({ courier: { smtp: { connection_uri: 'smtp://127.0.0.1:9/' } } }).worker.timeouts).toEqual({ request_ms: 30_000, headers_ms: 10_000, keep_alive_ms: 5_000 });
  });
});

describe('worker health routes', () => {
  it('answers alive, ready, metrics (Prometheus text), HEAD without a body, and 404 otherwise', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ app: 'test' });
    const h = await startHealthServer({ host: '127.0.0.1', port: 0, checks: { fine: async () => undefined }, registry, timeouts: TIMEOUTS });
    try {
      const base = `http://127.0.0.1:${h.port}`;
      const alive = await fetch(`${base}/health/alive`);
      expect([alive.status, alive.headers.get('content-type'), await alive.json()]).toEqual([200, 'application/json; charset=utf-8', { status: 'ok' }]);
      const ready = await fetch(`${base}/health/ready?verbose=1`);
      expect([ready.status, await ready.json()]).toEqual([200, { status: 'ok' }]);
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toBe(registry.contentType);
      await metrics.arrayBuffer();
      const head = await fetch(`${base}/health/alive`, { method: 'HEAD' });
      expect([head.status, await head.text()]).toEqual([200, '']);
      for (const [method, path] of [
        ['GET', '/nope'],
        ['POST', '/health/alive'],
      ] as const) {
        const res = await fetch(`${base}${path}`, { method });
        expect(res.status).toBe(404);
        await res.arrayBuffer();
      }
    } finally {
      await h.server.close();
    }
  });
});

describe('worker readiness', () => {
  it('answers a generic reason unless the check gave a public one, and reports the detail', async () => {
    const failed: [string, string][] = [];
    const h = await startHealthServer({
      host: '127.0.0.1',
      port: 0,
      registry: new Registry(),
      timeouts: TIMEOUTS,
      onCheckFailed: (check, error) => failed.push([check, error]),
      checks: {
        redis: async () => {
          throw new Error('connect ECONNREFUSED 10.1.2.3:6379 (redis://:hunter2@10.1.2.3)');
        },
        worker: async () => {
          throw new PublicReadinessError('draining for shutdown');
        },
        fine: async () => undefined,
      },
    });
    try {
      const res = await fetch(`http://127.0.0.1:${h.port}/health/ready`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'unavailable', errors: { redis: 'unavailable', worker: 'draining for shutdown' } });
      expect(failed.map(([c]) => c).sort()).toEqual(['redis', 'worker']);
      expect(failed.find(([c]) => c === 'redis')?.[1]).toContain('ECONNREFUSED');
    } finally {
      await h.server.close();
    }
  });
});
