/**
 * The HTTP sink of the throughput scenarios: nginx (Debian's `nginx-light`)
 * answering 200 with a small JSON body to every POST, from a private prefix and
 * config in a temp dir, on a loopback port: no system service is started or
 * changed. One process (`master_process off`, one worker's worth of event loop in
 * C), so its CPU time is read from one pid, and it is never the bottleneck.
 *
 * Acceptances are counted with nginx's `stub_status` (`requests`, on its own
 * location), minus the status requests this module made itself. nginx counts a
 * request when it starts reading it; the sink answers at once (`return 200`),
 * so the count runs ahead of the answers by at most the requests in flight.
 * It keeps no recipients: no duplicate detection (Courier's runs check their
 * records instead), no tracked acceptance times.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SinkHandle } from './sinks.js';
import type { SinkStats } from './sink-protocol.js';
import { ensureAptPeer } from './apt.js';

const NGINX = '/usr/sbin/nginx';
const START_TIMEOUT_MS = 20_000;
const POLL_MS = 10;

/**
 * Make sure nginx is installed: as root on Debian/Ubuntu, install `nginx-light`
 * non-interactively when it is missing, and stop the distribution's nginx if the
 * install started it (only the binary is used). Returns why it is not available,
 * or undefined when it is.
 */
export function ensureNginx(log: (m: string) => void): string | undefined {
  return ensureAptPeer(
    {
      binary: NGINX,
      pkg: 'nginx-light',
      purpose: 'the HTTP sink',
      hint: 'install nginx-light',
      // The distribution's nginx (default config, port 80) is not wanted on a bench machine.
      stop: [NGINX, ['-s', 'quit']],
    },
    log,
  );
}

/** nginx's configuration: everything under `dir`, one listener on 127.0.0.1:`port`. */
function nginxConfig(dir: string, port: number): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  client_max_body_size 1m;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location = /__status { stub_status; }
    location / {
      default_type application/json;
      return 200 '{"ok":true}';
    }
  }
}
`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** GET the status page; the `requests` counter, or undefined when nginx does not answer. */
function statusRequests(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/__status', agent: false, timeout: 5_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.once('end', () => {
        // "server accepts handled requests\n A B C"
        const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s*$/m.exec(text);
        resolve(m === null ? undefined : Number(m[3]));
      });
      res.once('error', () => resolve(undefined));
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

/** Start nginx as the HTTP sink (see module doc). */
export async function startNginxHttpSink(): Promise<SinkHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'courier-bench-nginx-'));
  mkdirSync(join(dir, 'logs'));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig(dir, port));
  const child = spawn(NGINX, ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2_000)));
  // Status requests made so far: each is counted by nginx too.
  let polls = 0;
  let base = 0;
  let seen = 0;
  let firstAt = 0;
  let lastAt = 0;
  const read = async (): Promise<number> => {
    polls++;
    const requests = await statusRequests(port);
    if (requests === undefined) throw new Error(`nginx sink did not answer its status request${child.exitCode === null ? '' : ` (exited ${child.exitCode})`}`);
    const count = requests - polls;
    if (count > seen) {
      const now = Date.now();
      if (firstAt === 0) firstAt = now;
      lastAt = now;
      seen = count;
    }
    return seen;
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${stderr.trim()}`);
    polls++;
    if ((await statusRequests(port)) !== undefined) break;
    polls--; // not counted by nginx: it did not answer
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not listen within ${START_TIMEOUT_MS} ms: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const stats = async (): Promise<SinkStats> => {
    const count = (await read()) - base;
    return { count, bytes: 0, firstAt, lastAt, duplicates: 0 };
  };
  return {
    kind: 'http',
    port,
    impl: 'nginx (nginx-light, return 200)',
    pid: child.pid,
    async reset() {
      base = await read();
      firstAt = 0;
      lastAt = 0;
    },
    stats,
    async tracked() {
      throw new Error('the nginx sink keeps no per-recipient acceptance times');
    },
    async waitFor(count, timeoutMs, stallMs = 20_000) {
      const start = Date.now();
      let progressAt = start;
      let last = await stats();
      while (last.count < count) {
        const now = Date.now();
        if (now - start > timeoutMs) throw new Error(`http sink: ${last.count}/${count} accepted after ${timeoutMs} ms`);
        if (now - progressAt > stallMs) throw new Error(`http sink: stuck at ${last.count}/${count} for ${stallMs} ms`);
        await new Promise((r) => setTimeout(r, POLL_MS));
        const next = await stats();
        if (next.count > last.count) progressAt = Date.now();
        last = next;
      }
      return last;
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
