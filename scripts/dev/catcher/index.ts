/**
 * The development mail and SMS catcher: an SMTP server (e-mail) and an HTTP
 * server (SMS at POST /sms, HTTP-delivered messages at /http/..., the mail
 * viewer at /, the JSON API at /api/messages), both on 127.0.0.1 only. Nothing
 * leaves the machine; what is caught lives in memory, bounded (store.ts).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSmtpCatcher } from './smtp.js';
import { createRoutes } from './http-routes.js';
import { createStore, DEFAULT_LIMITS, type Caught, type CaughtStore, type StoreLimits } from './store.js';
import { loadViewerAssets } from './viewer-page.js';

/** Options of {@link startCatcher}. */
export interface CatcherOptions {
  /** 0 picks a free port (tests). */
  readonly smtpPort: number;
  /** 0 picks a free port (tests). */
  readonly httpPort: number;
  readonly limits?: Partial<StoreLimits>;
  /** Told about each message as it is stored. */
  readonly onCaught?: (c: Caught) => void;
}

/** A running catcher. */
export interface Catcher {
  readonly store: CaughtStore;
  readonly smtpPort: number;
  readonly httpPort: number;
  /** `http://127.0.0.1:<httpPort>` */
  readonly url: string;
  close(): Promise<void>;
}

/** The one address the catcher listens on. */
const HOST = '127.0.0.1';

/** Start the catcher. */
export async function startCatcher(options: CatcherOptions): Promise<Catcher> {
  const store = createStore({ ...DEFAULT_LIMITS, ...options.limits });
  if (options.onCaught !== undefined) store.subscribe(options.onCaught);
  const smtp = createSmtpCatcher(store);
  const routes = createRoutes(store, loadViewerAssets());
  const http = createServer((req, res) => routes.handle(req, res));
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(options.smtpPort, HOST, () => resolve());
  });
  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.httpPort, HOST, () => resolve());
    });
  } catch (err) {
    await new Promise<void>((r) => smtp.close(() => r()));
    throw err;
  }
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const httpPort = (http.address() as AddressInfo).port;
  return {
    store,
    smtpPort,
    httpPort,
    url: `http://${HOST}:${httpPort}`,
    async close() {
      routes.close();
      await new Promise<void>((r) => smtp.close(() => r()));
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
