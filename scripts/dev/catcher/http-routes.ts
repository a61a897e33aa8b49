/**
 * The catcher's HTTP side (node:http, no framework):
 *
 *   GET  /                          the mail viewer (viewer/index.html, viewer.js, viewer.css)
 *   GET  /api/messages              JSON: every caught message, newest first (summary + text)
 *   GET  /api/messages/:id          JSON: one message in full, except its raw source
 *   GET  /api/messages/:id/html     the HTML part, under a CSP that allows no script and no remote load
 *   GET  /api/messages/:id/raw      the raw source (text/plain)
 *   DELETE /api/messages            forget everything
 *   GET  /api/events                Server-Sent Events: `message` (a summary) on each arrival, `clear`
 *   POST /sms                       an SMS as the dev config's channel sends it ({ to, body })
 *   ANY  /http/...                  anything an HTTP delivery sends (e.g. courier.http.request_config.url)
 *
 * Requests naming a host other than a loopback one are refused (a web page must
 * not read caught codes through DNS rebinding); the server binds 127.0.0.1 only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readLimited, summarize, truncationOf, type Caught, type CaughtHeader, type CaughtRequest, type CaughtStore } from './store.js';
import type { ViewerAssets } from './viewer-page.js';

/**
 * The HTML part's policy: inline styles and data: images (cid: parts arrive as
 * data: URIs) only; no script, no fetch, no remote image, font or stylesheet, no
 * form, no plugin; `sandbox` also applies when the route is opened on its own.
 */
export const HTML_PART_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data: cid:; font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox";

/** The viewer page's own policy: its script and stylesheet, its API, its HTML-part frames. */
export const VIEWER_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Headers whose values are never stored. */
const REDACTED_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']);

/** Open event streams at most (each is a browser tab). */
const MAX_EVENT_CLIENTS = 64;
const HEARTBEAT_MS = 15_000;

const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/i;

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', ...headers });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value, null, 2));
}

function notFound(res: ServerResponse, what: string): void {
  sendJson(res, 404, { error: `${what} not found` });
}

function redactedHeaders(req: IncomingMessage): CaughtHeader[] {
  const out: CaughtHeader[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    if (!REDACTED_HEADERS.has(name.toLowerCase())) out.push({ name, value });
    else out.push({ name, value: name.toLowerCase() === 'authorization' && /^\w+ /.test(value) ? `${value.split(' ')[0]!} [redacted]` : '[redacted]' });
  }
  return out;
}

async function readRequest(req: IncomingMessage, store: CaughtStore): Promise<{ request: CaughtRequest; raw: string; truncated: Caught['truncated'] }> {
  const read = await readLimited(req, store.limits.maxMessageBytes);
  const body = read.data.toString('utf8');
  const headers = redactedHeaders(req);
  const request: CaughtRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers, body };
  const raw = `${request.method} ${request.path} HTTP/${req.httpVersion}\n${headers.map((h) => `${h.name}: ${h.value}`).join('\n')}\n\n${body}`;
  return { request, raw, truncated: truncationOf(read, 'request body') };
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The catcher's request handler. */
export interface CatcherRoutes {
  /** Handle one request; the event stream route keeps its response open. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** End the open event streams and stop listening to the store. */
  close(): void;
}

/** The routes over `store`. */
export function createRoutes(store: CaughtStore, assets: ViewerAssets): CatcherRoutes {
  const eventClients = new Set<ServerResponse>();
  const unsubscribe = store.subscribe((c) => {
    const frame = `event: message\ndata: ${JSON.stringify(summarize(c))}\n\n`;
    for (const client of eventClients) client.write(frame);
  });
  const heartbeat = setInterval(() => {
    for (const client of eventClients) client.write(': keep-alive\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();

  const record = async (req: IncomingMessage, res: ServerResponse, kind: 'sms' | 'http'): Promise<void> => {
    const { request, raw, truncated } = await readRequest(req, store);
    const json = jsonObject(request.body);
    if (kind === 'sms') {
      store.add({ kind, to: str(json?.['to']) ?? '?', text: str(json?.['body']) ?? request.body, raw, request, truncated });
      sendJson(res, 201, { id: 'dev' });
      return;
    }
    // An HTTP-delivered e-mail: Kratos's examples name the fields recipient/to, subject, body/text/html.
    const to = str(json?.['recipient']) ?? str(json?.['Recipient']) ?? str(json?.['to']) ?? str(json?.['To']) ?? '?';
    const subject = str(json?.['subject']) ?? str(json?.['Subject']);
    const html = str(json?.['html']) ?? str(json?.['html_body']) ?? str(json?.['HTMLBody']);
    const text = str(json?.['body']) ?? str(json?.['Body']) ?? str(json?.['text']) ?? str(json?.['text_body']) ?? str(json?.['TextBody']) ?? request.body;
    const caught = store.add({ kind, to, subject, text, html, raw, request, truncated });
    sendJson(res, 200, { id: caught.id });
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!LOOPBACK_HOST.test(req.headers.host ?? '')) {
      sendJson(res, 403, { error: 'the catcher answers loopback host names only (127.0.0.1, localhost)' });
      req.resume();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/sms' && method === 'POST') return record(req, res, 'sms');
    if (path === '/http' || path.startsWith('/http/')) return record(req, res, 'http');
    req.resume();
    if (method === 'DELETE' && path === '/api/messages') {
      store.clear();
      for (const client of eventClients) client.write('event: clear\ndata: {}\n\n');
      res.writeHead(204).end();
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      sendJson(res, 405, { error: `${method} ${path} is not a catcher route` });
      return;
    }
    const asset = assets.get(path);
    if (asset !== undefined) {
      send(res, 200, asset.type, asset.body, { 'content-security-policy': VIEWER_CSP });
      return;
    }
    if (path === '/api/messages') {
      sendJson(
        res,
        200,
        store.list().map((c) => ({ ...summarize(c), text: c.text })),
      );
      return;
    }
    if (path === '/api/events') {
      if (eventClients.size >= MAX_EVENT_CLIENTS) {
        sendJson(res, 503, { error: `at most ${MAX_EVENT_CLIENTS} event streams are served` });
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-content-type-options': 'nosniff' });
      res.write(': connected\n\n');
      eventClients.add(res);
      res.on('close', () => eventClients.delete(res));
      return;
    }
    const m = /^\/api\/messages\/(\d{1,12})(\/html|\/raw)?$/.exec(path);
    if (m === null) {
      notFound(res, path);
      return;
    }
    const caught = store.get(m[1]!);
    if (caught === undefined) {
      notFound(res, `message ${m[1]!}`);
      return;
    }
    if (m[2] === '/raw') {
      send(res, 200, 'text/plain; charset=utf-8', caught.raw, { 'content-security-policy': "default-src 'none'; sandbox" });
    } else if (m[2] === '/html') {
      if (caught.html === undefined || caught.html === '') notFound(res, `an HTML part of message ${caught.id}`);
      else send(res, 200, 'text/html; charset=utf-8', caught.html, { 'content-security-policy': HTML_PART_CSP });
    } else {
      const { raw: _raw, ...rest } = caught;
      sendJson(res, 200, rest);
    }
  };

  return {
    handle(req, res) {
      route(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) });
        else res.destroy();
      });
    },
    close() {
      clearInterval(heartbeat);
      unsubscribe();
      for (const client of eventClients) client.end();
      eventClients.clear();
    },
  };
}
