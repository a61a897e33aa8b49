/**
 * The one refresh policy for template sources (uri/cached-source.ts), shared by the
 * template registry and the HTTP strategy's body template.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TemplateError } from '../src/errors.js';
import { createCachedSource, REMOTE_SOURCE_TTL_MS } from '../src/uri/cached-source.js';
import { loadUri, MAX_REMOTE_TEMPLATE_BYTES } from '../src/uri/load-uri.js';

let dir: string;
let server: Server;
let base: string;
let hits = 0;
let body = 'remote v1';
let status = 200;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'courier-cached-source-'));
  server = createServer((_req, res) => {
    hits++;
    res.statusCode = status;
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.useRealTimers();
  hits = 0;
  body = 'remote v1';
  status = 200;
});

describe('createCachedSource', () => {
  it('reloads a changed file:// source, looking at most once per check interval', async () => {
    const path = join(dir, 'a.txt');
    await writeFile(path, 'one');
    const source = createCachedSource(pathToFileURL(path).href, { checkIntervalMs: 60_000 });
    const first = await source();
    expect(first.text).toBe('one');
    await writeFile(path, 'two, longer');
    // Within the interval: the cached text, without looking.
    expect(await source()).toBe(first);
    const eager = createCachedSource(pathToFileURL(path).href, { checkIntervalMs: 0 });
    expect((await eager()).text).toBe('two, longer');
    await writeFile(path, 'three, longer still');
    expect((await eager()).text).toBe('three, longer still');
  });

  it('reports a failed reload on that call and tries again on the next', async () => {
    const path = join(dir, 'b.txt');
    await writeFile(path, 'fine');
    const source = createCachedSource(pathToFileURL(path).href, { checkIntervalMs: 0 });
    expect((await source()).text).toBe('fine');
    await rm(path);
    await expect(source()).rejects.toBeInstanceOf(TemplateError);
    await expect(source()).rejects.toMatchObject({ code: 'TEMPLATE_LOAD_FAILED' });
    await writeFile(path, 'back');
    expect((await source()).text).toBe('back');
  });

  it('fetches an http(s):// source once, shares concurrent loads, and fetches it again after an hour', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const source = createCachedSource(`${base}/t.txt`, { checkIntervalMs: 0 });
    const texts = await Promise.all(Array.from({ length: 5 }, () => source()));
    expect(new Set(texts.map((t) => t.text))).toEqual(new Set(['remote v1']));
    expect(hits).toBe(1);
    body = 'remote v2';
    vi.setSystemTime(Date.now() + REMOTE_SOURCE_TTL_MS - 1_000);
    expect((await source()).text).toBe('remote v1');
    expect(hits).toBe(1);
    vi.setSystemTime(Date.now() + 2_000);
    expect((await source()).text).toBe('remote v2');
    expect(hits).toBe(2);
  });

  it('never looks at a base64:// source again', async () => {
    const source = createCachedSource(`base64://${Buffer.from('static text').toString('base64')}`, { checkIntervalMs: 0 });
    const first = await source();
    expect(first.text).toBe('static text');
    expect(await source()).toBe(first);
  });
});

describe('loadUri over http(s)://', () => {
  it('fails on a non-2xx answer and on a template larger than the limit, naming neither query nor credentials', async () => {
    status = 404;
    await expect(loadUri(`${base}/missing.txt?token=s3cret`)).rejects.toMatchObject({
      code: 'TEMPLATE_LOAD_FAILED',
      message: `cannot fetch template ${base}/missing.txt: HTTP 404`,
    });
    status = 200;
    body = 'x'.repeat(MAX_REMOTE_TEMPLATE_BYTES + 1);
    await expect(loadUri(`${base}/big.txt`)).rejects.toMatchObject({ code: 'TEMPLATE_LOAD_FAILED', message: expect.stringContaining('larger than') });
    body = 'x'.repeat(MAX_REMOTE_TEMPLATE_BYTES);
    expect((await loadUri(`${base}/just-fits.txt`)).text).toHaveLength(MAX_REMOTE_TEMPLATE_BYTES);
  });

  it('names the network error code when the host cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(loadUri(`http://127.0.0.1:${port}/t.txt`, 2_000)).rejects.toMatchObject({
      code: 'TEMPLATE_LOAD_FAILED',
      message: `cannot fetch template http://127.0.0.1:${port}/t.txt: ECONNREFUSED`,
    });
  });
});
