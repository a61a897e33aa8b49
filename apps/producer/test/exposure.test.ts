/**
 * What the apps expose beyond the API: the default bind address (loopback for a
 * plain install; the container files set 0.0.0.0 themselves), readiness answers
 * without raw error text (the detail is logged), and request URLs logged without
 * the values of `recipient` and `page_token`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@courier/core';
import { freePort } from '@courier/testkit';
import { createApiClient, type ApiClient } from './support/api-client.js';
import { startProducer, type TestProducer } from './support/producer.js';

const KEY = 'test-key-0123456789abcdef';
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string): string => readFileSync(`${REPO}${path}`, 'utf8');

describe('bind addresses', () => {
  it('default to loopback for both apps', () => {
    const c = parseConfig({ courier: { smtp: { connection_uri: 'smtp://127.0.0.1:9/' } } });
    expect([c.producer.host, c.worker.host]).toEqual(['127.0.0.1', '127.0.0.1']);
  });

  it('are set to 0.0.0.0 explicitly by every container definition', () => {
    expect(read('infra/docker/Dockerfile.producer')).toMatch(/^ENV[^\n]*PRODUCER_HOST=0\.0\.0\.0/m);
    expect(read('infra/docker/Dockerfile.worker')).toMatch(/^ENV[^\n]*WORKER_HOST=0\.0\.0\.0/m);
    // The producer and worker sections of each config file (infra-files.test.ts checks they load).
    for (const file of ['infra/courier.compose.yaml', 'infra/k8s/configmap.yaml']) {
      expect(read(file).match(/^\s+host: 0\.0\.0\.0\s*$/gm), file).toHaveLength(2);
    }
  });
});

describe('GET /health/ready without Redis', () => {
  let p: TestProducer;
  beforeAll(async () => {
    p = await startProducer({ redis: { url: `redis://127.0.0.1:${await freePort()}` } });
  });
  afterAll(async () => {
    await p.close();
  });

  it('answers a generic reason and logs the detail', async () => {
    const res = await fetch(`${p.url}/health/ready`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable', errors: { redis: 'unavailable' } });
    const logged = p.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['msg'] === 'readiness check failed');
    expect(logged).toMatchObject({ check: 'redis' });
    expect(String(logged?.['error'])).not.toBe('');
  });
});

describe('request logs', () => {
  let p: TestProducer;
  let api: ApiClient;
  beforeAll(async () => {
    p = await startProducer();
    api = await createApiClient(p.url, KEY);
  });
  afterAll(async () => {
    await p.close();
  });

  it('leave out the values of recipient and page_token, keeping the rest of the URL', async () => {
    const recipient = 'private.person@example.com';
    const first = await api.request('GET', `/messages?recipient=${encodeURIComponent(recipient)}&page_size=1`);
    expect(first.status).toBe(200);
    await api.request('POST', '/messages', { body: { recipient, subject: 's', body: 'b' } });
    await api.request('POST', '/messages', { body: { recipient, subject: 's', body: 'b' } });
    const paged = await api.request('GET', `/messages?recipient=${encodeURIComponent(recipient)}&page_size=1`);
    const token = (paged.body as { next_page_token: string }).next_page_token;
    expect(token).toBeDefined();
    await api.request('GET', `/messages?page_token=${token}&status=queued`);
    const urls = p.logs
      .map((l) => JSON.parse(l) as { req?: { url?: string } })
      .map((l) => l.req?.url)
      .filter((u): u is string => u !== undefined);
    const text = p.logs.join('\n');
    expect(text).not.toContain('private.person');
    expect(text).not.toContain(token);
    expect(urls).toContain('/messages?recipient=[redacted]&page_size=1');
    expect(urls).toContain('/messages?page_token=[redacted]&status=queued');
  });
});
