/**
 * The HTTP hand-over against a real TCP peer: the caller's check runs before the body is
 * written (a refusal leaves the provider an incomplete request and fails with the
 * check's error); a request written in full and then met with a reset or silence gives
 * HTTP_OUTCOME_UNKNOWN, retryable by default only when an idempotency header is sent
 * (`request_config.retry_on_unknown` overrides); a refused connection stays HTTP_NETWORK.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { requestConfigSchema } from '../src/config/schema.js';
import { DeliveryError } from '../src/errors.js';
import { createHttpStrategy } from '../src/delivery/http/strategy.js';
import type { DeliveryStrategy, OutboundMessage } from '../src/delivery/strategy.js';

type Behaviour = 'reset' | 'silent' | 'answer';

interface Peer {
  readonly url: string;
  /** Raw requests read in full (headers and declared body), and the bytes of incomplete ones. */
  readonly complete: string[];
  readonly partial: string[];
  close(): Promise<void>;
}

const peers: Peer[] = [];
const strategies: DeliveryStrategy[] = [];

afterEach(async () => {
  await Promise.allSettled(strategies.splice(0).map(async (s) => s.close?.()));
  await Promise.allSettled(peers.splice(0).map(async (p) => p.close()));
});

/** A one-request-per-connection HTTP peer that acts as told once a request was read in full. */
async function peer(behaviour: Behaviour): Promise<Peer> {
  const complete: string[] = [];
  const partial: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let data = '';
    let done = false;
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      const end = data.indexOf('\r\n\r\n');
      if (end < 0 || done) return;
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(data.slice(0, end))?.[1] ?? 0);
      if (data.length < end + 4 + length) return;
      done = true;
      complete.push(data);
      if (behaviour === 'reset') socket.resetAndDestroy();
      else if (behaviour === 'answer') socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}');
    });
    socket.on('close', () => {
      sockets.delete(socket);
      if (!done && data !== '') partial.push(data);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const p: Peer = {
    url: `http://127.0.0.1:${port}/send`,
    complete,
    partial,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  peers.push(p);
  return p;
}

function strategy(url: string, config: Record<string, unknown> = {}): DeliveryStrategy {
  const s = createHttpStrategy({ requestConfig: requestConfigSchema.parse({ url, body: 'base64://e30=', ...config }) });
  strategies.push(s);
  return s;
}

const message: OutboundMessage = { id: '01900000-0000-7000-8000-0000000000aa', type: 'sms', channel: 'sms', recipient: '+15550100', body: 'hello' };

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe('HTTP hand-over check', () => {
  it('runs before the body is written: a refusal sends no body and fails with the check error', async () => {
    const p = await peer('answer');
    const refusal = new DeliveryError('LOCK_LOST', 'not handed over', { retryable: true });
    const err = await failure(
      strategy(p.url).send(message, {
        handOver: () => {
          throw refusal;
        },
      }),
    );
    expect(err).toBe(refusal);
    await new Promise((r) => setTimeout(r, 200));
    expect(p.complete).toHaveLength(0);
    // What reached the provider, if anything, is the head of a request whose body never came.
    for (const data of p.partial) expect(data.slice(data.indexOf('\r\n\r\n') + 4)).toBe('');
  });

  it('lets a send it allows through', async () => {
    const p = await peer('answer');
    let checks = 0;
    await strategy(p.url).send(message, {
      handOver: () => {
        checks += 1;
      },
    });
    expect(checks).toBe(1);
    expect(p.complete).toHaveLength(1);
    expect(p.complete[0]).toMatch(/\r\ncontent-length: 2\r\n/i);
  });
});

describe('HTTP outcome unknown', () => {
  it('reports a reset after the request was written as HTTP_OUTCOME_UNKNOWN, retryable with the default idempotency header', async () => {
    const p = await peer('reset');
    const err = await failure(strategy(p.url).send(message));
    expect(err.code).toBe('HTTP_OUTCOME_UNKNOWN');
    expect(err.outcomeUnknown).toBe(true);
    expect(err.retryable).toBe(true);
    expect(p.complete[0]).toMatch(/\r\nidempotency-key: 01900000-0000-7000-8000-0000000000aa\r\n/i);
  });

  it('reports silence past timeout_ms as outcome unknown, not retried by default without an idempotency header', async () => {
    const p = await peer('silent');
    const err = await failure(strategy(p.url, { timeout_ms: 300, idempotency_header: '' }).send(message));
    expect(err.code).toBe('HTTP_OUTCOME_UNKNOWN');
    expect(err.message).toMatch(/HTTP_TIMEOUT/);
    expect(err.retryable).toBe(false);
  });

  it('follows retry_on_unknown when set', async () => {
    const p = await peer('reset');
    expect((await failure(strategy(p.url, { retry_on_unknown: false }).send(message))).retryable).toBe(false);
    expect((await failure(strategy(p.url, { idempotency_header: '', retry_on_unknown: true }).send(message))).retryable).toBe(true);
  });

  it('keeps a refused connection (nothing written) a plain network failure', async () => {
    const p = await peer('answer');
    const url = p.url;
    await p.close();
    peers.length = 0;
    const err = await failure(strategy(url).send(message));
    expect(err.code).toBe('HTTP_NETWORK');
    expect(err.outcomeUnknown).toBe(false);
  });
});
