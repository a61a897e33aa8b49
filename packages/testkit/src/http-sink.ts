/**
 * A real HTTP endpoint for tests and benchmarks: a `node:http` server on
 * 127.0.0.1, port 0, that records every request and answers as a test tells it.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the sink received, recorded once its body was read in full. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query, as on the request line. */
  readonly url: string;
  /** Lower-cased header names, as Node parses them. */
  readonly headers: IncomingHttpHeaders;
  /** The body decoded as UTF-8. */
  readonly body: string;
  readonly receivedAt: Date;
}

/** How the sink answers one request. */
export interface SinkResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  /** Wait this long before answering (to provoke client timeouts). */
  readonly delayMs?: number;
}

/** Chooses the answer to a request; `undefined` means the default `200` with an empty body. */
export type SinkResponder = (req: RecordedRequest) => SinkResponse | undefined | Promise<SinkResponse | undefined>;

/** A running HTTP sink. */
export interface HttpSink {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Every request received so far, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** Number of requests received so far. */
  count(): number;
  /** Replace how requests are answered. */
  setResponder(responder: SinkResponder): void;
  /**
   * Resolve with the recorded requests once at least `count` have arrived.
   *
   * @throws Error when `timeoutMs` passes first, saying how many did arrive.
   */
  waitFor(count: number, timeoutMs?: number): Promise<readonly RecordedRequest[]>;
  /** Forget the recorded requests. */
  reset(): void;
  /** Stop listening and drop open connections, including answers still being delayed. */
  close(): Promise<void>;
}

interface Waiter {
  readonly count: number;
  readonly resolve: (requests: readonly RecordedRequest[]) => void;
}

/** Start an HTTP sink on 127.0.0.1 and an ephemeral port. */
export async function startHttpSink(): Promise<HttpSink> {
  const requests: RecordedRequest[] = [];
  let waiters: Waiter[] = [];
  let responder: SinkResponder = () => undefined;
  const timers = new Set<NodeJS.Timeout>();

  function notify(): void {
    const ready = waiters.filter((w) => requests.length >= w.count);
    waiters = waiters.filter((w) => requests.length < w.count);
    for (const w of ready) w.resolve([...requests]);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      receivedAt: new Date(),
    };
    requests.push(recorded);
    notify();
    const answer = (await responder(recorded)) ?? { status: 200 };
    if (answer.delayMs !== undefined && answer.delayMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, answer.delayMs);
        timers.add(timer);
      });
    }
    if (res.destroyed) return;
    res.writeHead(answer.status, { ...answer.headers });
    res.end(answer.body ?? '');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`http sink responder failed: ${(err as Error).message}`);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get requests() {
      return [...requests];
    },
    count: () => requests.length,
    setResponder(next) {
      responder = next;
    },
    waitFor(count, timeoutMs = 5_000) {
      if (requests.length >= count) return Promise.resolve([...requests]);
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          count,
          resolve: (got) => {
            clearTimeout(timer);
            resolve(got);
          },
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(new Error(`http sink: expected ${count} request(s) within ${timeoutMs} ms, got ${requests.length}`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    reset() {
      requests.length = 0;
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
