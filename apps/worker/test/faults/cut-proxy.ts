/**
 * A TCP proxy in front of Redis that can make Redis "go away" at an exact point
 * of a conversation: right after it answered a given request. A Redis crash
 * lands at a random point; this pins it between two writes of one operation,
 * so a test of what happens there is deterministic.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * When to cut: at the reply (containing `reply`) to a request containing
 * `request`. `deliverReply: true` passes that reply on first (Redis answered,
 * then died); `false` drops it (Redis did the work, then died before answering).
 */
interface CutRule {
  readonly request: string;
  readonly reply: string;
  readonly deliverReply: boolean;
}

/** A running proxy. */
export interface CutProxy {
  /** `redis://127.0.0.1:<port>` of the proxy. */
  readonly url: string;
  /** Cut every connection once `rule` matches, and refuse new ones until {@link CutProxy.restore}. */
  arm(rule: CutRule): void;
  /** When the cut happened (`Date.now()`), if it did. */
  readonly cutAt: number | undefined;
  /** Listen on the same port and forward connections again. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Recent client bytes, so a request split over TCP chunks still matches. */
  recent: string;
  /** A matching request went upstream on this connection; its reply triggers the cut. */
  watching: boolean;
  dead: boolean;
}

const RECENT_CHARS = 8_192;

/** Start a proxy on 127.0.0.1 (free port) to `target` (`redis://host:port`). */
export async function startCutProxy(target: string): Promise<CutProxy> {
  const { hostname, port } = new URL(target);
  const pairs = new Set<Pair>();
  let rule: CutRule | undefined;
  let down = false;
  let cutAt: number | undefined;

  const cut = (): void => {
    down = true;
    cutAt = Date.now();
    // Stop listening too, so reconnects get ECONNREFUSED as from a dead Redis.
    server.close();
    rule = undefined;
    for (const p of pairs) {
      p.dead = true;
      // end() lets the reply already written reach the client before the FIN.
      p.client.end();
      p.upstream.destroy();
    }
    pairs.clear();
  };

  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: hostname, port: Number(port) });
    const pair: Pair = { client, upstream, recent: '', watching: false, dead: false };
    pairs.add(pair);
    const drop = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', () => {
      if (!pair.dead) drop();
    });
    client.on('data', (chunk: Buffer) => {
      if (pair.dead) return;
      pair.recent = (pair.recent + chunk.toString('latin1')).slice(-RECENT_CHARS);
      if (rule !== undefined && pair.recent.includes(rule.request)) pair.watching = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (pair.dead) return;
      if (pair.watching && rule !== undefined && chunk.toString('latin1').includes(rule.reply)) {
        if (rule.deliverReply) client.write(chunk);
        cut();
        return;
      }
      client.write(chunk);
    });
  });
  const listen = (port: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const proxyPort = (server.address() as AddressInfo).port;

  return {
    url: `redis://127.0.0.1:${proxyPort}`,
    arm(next) {
      rule = next;
    },
    get cutAt() {
      return cutAt;
    },
    async restore() {
      down = false;
      if (!server.listening) await listen(proxyPort);
    },
    async close() {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream.destroy();
      }
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
