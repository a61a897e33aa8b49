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

let dir: string;
let server: Server;
let base: string;
let hits = 0;
let body = 'remote v1';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'courier-cached-source-'));
  server = createServer((_req, res) => {
    hits++;
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
