/**
 * Authorisation by key scope. Each route declares the scope it needs in its
 * Fastify route config (`{ config: { scope: 'read' } }`); a route that declares
 * none needs `admin`, so a route added without thought is closed, not open.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyScope } from '@courier/core';
import type { Principal } from './api-keys.js';

/** What a route needs: a scope, or just a valid key (`authenticated`: the OpenAPI document). */
export type RouteScope = ApiKeyScope | 'authenticated';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a key needs for this route (see auth/scopes.ts). */
    scope?: RouteScope;
  }
}

/** True when the key may do what `scope` allows. `admin` implies `read` (an operator retrying a message must see it). */
function hasScope(principal: Principal, scope: RouteScope): boolean {
  if (scope === 'authenticated') return true;
  if (principal.scopes.has(scope)) return true;
  return scope === 'read' && principal.scopes.has('admin');
}

/** True when the key may see secrets (one-time codes, bodies) in single reads. */
export function maySeeSecrets(principal: Principal | undefined): boolean {
  return principal !== undefined && principal.scopes.has('admin');
}

/** Answer 403 in the API's error shape unless the authenticated key has `scope`. Runs after authentication. */
export async function enforceScope(req: FastifyRequest, reply: FastifyReply, scope: RouteScope): Promise<void> {
  const principal = req.principal;
  if (principal !== undefined && hasScope(principal, scope)) return;
  await reply.code(403).send({ error: { code: 'forbidden', message: `this API key lacks the "${scope}" scope this route needs` } });
}

/** The scope the matched route declares; `admin` when it declares none; undefined when no route matched (a 404 follows). */
export function routeScope(req: FastifyRequest): RouteScope | undefined {
  if (req.routeOptions.url === undefined) return undefined;
  return req.routeOptions.config.scope ?? 'admin';
}
