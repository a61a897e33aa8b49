/**
 * The dashboard's allow-list against Bull Board's own route table, and the
 * origin check on its own: a Bull Board upgrade that renames a listed route (the
 * UI would break) or a listed route that does not exist fails here; routes it
 * adds are refused until listed.
 */
import type { FastifyRequest } from 'fastify';
import { appRoutes } from '@bull-board/api/dist/routes.js';
import { describe, expect, it } from 'vitest';
import { dashboardAccess, READ_ROUTES, relativeRoute, WRITE_ROUTES } from '../src/dashboard/allow-list.js';
import { isSameOrigin } from '../src/dashboard/guards.js';

const bullBoardApi = appRoutes.api.map((r) => ({ method: String(r.method).toUpperCase(), route: String(r.route) }));
/** Routes the Fastify adapter adds itself: the page shell at the base path, and static assets. */
const ADAPTER_ROUTES = ['', '/', '/static/*'];
const entryRoutes = ([] as string[]).concat(appRoutes.entryPoint.route);

describe('dashboard allow-list', () => {
  it('lists only routes Bull Board has, with the method it registers them with', () => {
    for (const route of READ_ROUTES) {
      const known = ADAPTER_ROUTES.includes(route) || entryRoutes.includes(route) || bullBoardApi.some((r) => r.route === route && r.method === 'GET');
      expect(known, route).toBe(true);
    }
    for (const route of WRITE_ROUTES)
      expect(
        bullBoardApi.some((r) => r.route === route && r.method === 'PUT'),
        route,
      ).toBe(true);
  });

  it('lets every read through, writes only retry/clean/promote, and refuses every other Bull Board call', () => {
    const writes = bullBoardApi.filter((r) => r.method !== 'GET');
    const allowed = writes.filter((r) => dashboardAccess(r.method, r.route) === 'write').map((r) => r.route);
    expect(allowed.sort()).toEqual([...WRITE_ROUTES].sort());
    for (const r of writes.filter((w) => !WRITE_ROUTES.includes(w.route))) expect(dashboardAccess(r.method, r.route), `${r.method} ${r.route}`).toBeUndefined();
    for (const r of bullBoardApi.filter((g) => g.method === 'GET')) expect(dashboardAccess('GET', r.route)).toBe('read');
    expect(dashboardAccess('HEAD', '/api/queues')).toBe('read');
    // A read route with another method, and nothing matched at all.
    expect(dashboardAccess('PATCH', '/api/queues/:queueName/:jobId')).toBeUndefined();
    expect(dashboardAccess('GET', undefined)).toBeUndefined();
  });

  it('takes routes relative to the base path only', () => {
    expect(relativeRoute('/admin/queues', '/admin/queues')).toBe('');
    expect(relativeRoute('/admin/queues/api/queues', '/admin/queues')).toBe('/api/queues');
    expect(relativeRoute('/admin/queuesx/api', '/admin/queues')).toBeUndefined();
    expect(relativeRoute('/messages', '/admin/queues')).toBeUndefined();
    expect(relativeRoute(undefined, '/admin/queues')).toBeUndefined();
  });
});

describe('dashboard origin check', () => {
  const req = (headers: Record<string, string>): FastifyRequest => ({ headers }) as unknown as FastifyRequest;
  it('accepts an Origin or Referer naming the Host, whatever the scheme or a default port', () => {
    expect(isSameOrigin(req({ host: 'courier.example:4000', origin: 'http://courier.example:4000' }))).toBe(true);
    expect(isSameOrigin(req({ host: 'courier.example', origin: 'https://courier.example' }))).toBe(true);
    expect(isSameOrigin(req({ host: 'courier.example:80', origin: 'http://courier.example' }))).toBe(true);
    expect(isSameOrigin(req({ host: 'Courier.Example', origin: 'http://courier.example' }))).toBe(true);
    expect(isSameOrigin(req({ host: 'courier.example', referer: 'https://courier.example/admin/queues/queue/courier' }))).toBe(true);
  });

  it('refuses another host or port, an opaque or malformed origin, and no origin at all', () => {
    expect(isSameOrigin(req({ host: 'courier.example', origin: 'https://evil.example' }))).toBe(false);
    expect(isSameOrigin(req({ host: 'courier.example:4000', origin: 'http://courier.example:4001' }))).toBe(false);
    expect(isSameOrigin(req({ host: 'courier.example', origin: 'https://courier.example.evil.example' }))).toBe(false);
    expect(isSameOrigin(req({ host: 'courier.example', origin: 'null' }))).toBe(false);
    expect(isSameOrigin(req({ host: 'courier.example', origin: 'file:///x' }))).toBe(false);
    expect(isSameOrigin(req({ host: 'courier.example' }))).toBe(false);
    expect(isSameOrigin(req({ origin: 'http://courier.example' }))).toBe(false);
    // Origin wins over a matching Referer.
    expect(isSameOrigin(req({ host: 'courier.example', origin: 'https://evil.example', referer: 'https://courier.example/' }))).toBe(false);
  });
});
