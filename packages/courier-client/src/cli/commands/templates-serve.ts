/**
 * `courier templates preview --serve`: a preview server on 127.0.0.1 only. It
 * renders on start and again whenever a watched file (the override folder, the
 * `file://` templates' folders, the `--data` file) changes, and tells open pages
 * over server-sent events, which reload. Requests whose Host is not this server
 * (DNS rebinding) are refused; only GET and HEAD are served.
 */
import { randomBytes } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CliIo } from '../io.js';
import { openBrowser } from './open-browser.js';
import { BODY_CSP, pageCsp, previewPage, type PreviewState } from './templates-page.js';
import type { PreviewResult } from './templates-render.js';

/** What the server needs. */
export interface ServeOptions {
  readonly port: number;
  readonly open: boolean;
  /** Directories (watched with their subdirectories) and files whose change re-renders. */
  readonly watchPaths: readonly string[];
  readonly title: string;
  /** One render: the result, or the error's message. */
  readonly render: () => Promise<PreviewResult>;
}

/** Wait after the last file event before re-rendering (editors write in several steps). */
const SETTLE_MS = 75;
/** Most event-stream clients at once (each is a browser tab). */
const MAX_STREAMS = 32;

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Serve until `io.signal` aborts.
 *
 * @returns The exit status: 0 after a stop, 2 when the port cannot be bound.
 */
export async function servePreview(options: ServeOptions, io: CliIo): Promise<number> {
  let state: PreviewState = { version: 0, renderedAt: '' };
  const streams = new Set<ServerResponse>();
  let rendering: Promise<void> = Promise.resolve();

  const rerender = (): Promise<void> => {
    rendering = rendering.then(async () => {
      const version = state.version + 1;
      const renderedAt = new Date().toISOString();
      try {
        state = { version, renderedAt, result: await options.render() };
      } catch (err) {
        state = { version, renderedAt, result: state.result, error: describe(err) };
      }
      io.stdout(`${renderedAt} rendered${state.error === undefined ? '' : ` with an error: ${state.error.split('\n')[0] ?? ''}`}\n`);
      for (const s of streams) s.write(`event: render\ndata: ${version}\n\n`);
    });
    return rendering;
  };
  await rerender();

  let port = 0;
  const server = createServer((req, res) => handle(req, res));
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('wrong host\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://preview').pathname;
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request\n');
      return;
    }
    const common = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };
    const r = state.result;
    switch (path) {
      case '/': {
        const nonce = randomBytes(16).toString('base64');
        res.writeHead(200, { ...common, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': pageCsp(nonce) });
        res.end(previewPage(state, nonce, options.title));
        return;
      }
      case '/body.html':
        res.writeHead(200, { ...common, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': BODY_CSP });
        res.end(state.error === undefined ? (r?.html ?? '') : '');
        return;
      case '/preview.json':
        res.writeHead(200, { ...common, 'content-type': 'application/json' });
        res.end(JSON.stringify({ version: state.version, rendered_at: state.renderedAt, error: state.error ?? null, ...(state.error === undefined ? r : {}) }));
        return;
      case '/events':
        if (streams.size >= MAX_STREAMS) {
          res.writeHead(503, { ...common, 'content-type': 'text/plain' }).end('too many open previews\n');
          return;
        }
        res.writeHead(200, { ...common, 'content-type': 'text/event-stream' });
        res.write(`event: render\ndata: ${state.version}\n\n`);
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      default:
        res.writeHead(404, { ...common, 'content-type': 'text/plain' }).end('not found\n');
    }
  };

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    io.stderr(`courier: cannot listen on 127.0.0.1:${options.port} (${code ?? describe(err)})${code === 'EADDRINUSE' ? '; pass --port 0 for any free port' : ''}\n`);
    return 2;
  }
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;

  let timer: NodeJS.Timeout | undefined;
  const changed = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => void rerender(), SETTLE_MS);
  };
  const watchers: FSWatcher[] = [];
  for (const p of options.watchPaths) {
    try {
      watchers.push(watch(p, { recursive: true, persistent: false }, changed));
    } catch {
      try {
        watchers.push(watch(p, { persistent: false }, changed));
      } catch (err) {
        io.stderr(`courier: not watching ${p} (${(err as NodeJS.ErrnoException).code ?? 'error'})\n`);
      }
    }
  }
  io.stdout(
    `Previewing ${options.title} at ${url} (watching ${options.watchPaths.length === 0 ? 'nothing: built-in templates only' : options.watchPaths.join(', ')}); Ctrl-C stops\n`,
  );
  if (options.open) {
    const problem = await openBrowser(url, io.env);
    io.stdout(problem === undefined ? `opened ${url} in the browser\n` : `could not open a browser (${problem}); open ${url} yourself\n`);
  }

  await new Promise<void>((resolve) => {
    if (io.signal === undefined) return;
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  clearTimeout(timer);
  for (const w of watchers) w.close();
  for (const s of streams) s.end();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rendering;
  return 0;
}
