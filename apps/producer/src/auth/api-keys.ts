/**
 * API key authentication: `Authorization: Bearer <key>`, or, where allowed (the
 * dashboard only), HTTP Basic with the key as password (for browsers). Keys are compared in
 * constant time (both sides hashed to equal length first, then timingSafeEqual)
 * and every key is checked, so timing says nothing about which key nearly matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { API_KEY_SCOPES, type ApiKeyEntry, type ApiKeyScope } from '@courier/core';

/** The result of authenticating a request. */
export interface Principal {
  /**
   * A stable, non-secret id of the key used: its configured `name`, else a hash
   * prefix. Scopes idempotency keys, and is recorded as a message's `created_by`.
   */
  readonly keyId: string;
  /** What the key may do (a plain-string key: every scope). */
  readonly scopes: ReadonlySet<ApiKeyScope>;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The non-secret id of an unnamed key (a hash prefix: says nothing about the key). */
function keyIdOf(key: string): string {
  return digest(`courier-key-id:${key}`).toString('hex').slice(0, 12);
}

/**
 * Pull the presented key out of an Authorization header.
 *
 * @param allowBasic - Take HTTP Basic too. Only the dashboard does: a browser
 *   sends a stored Basic login on its own to any page of the origin, which is
 *   what makes cross-site request forgery possible, so the API takes Bearer only.
 */
function presentedKey(header: string | undefined, allowBasic = true): string | undefined {
  if (header === undefined) return undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer?.[1] !== undefined) return bearer[1];
  if (!allowBasic) return undefined;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic?.[1] !== undefined) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}

/** A configured key (string or object) as a principal plus its digest. */
function entryOf(entry: ApiKeyEntry): { digest: Buffer; principal: Principal } {
  // A plain string is a key from before scopes: it keeps every scope.
  const key = typeof entry === 'string' ? entry : entry.key;
  const scopes = typeof entry === 'string' ? API_KEY_SCOPES : entry.scopes;
  const name = typeof entry === 'string' ? undefined : entry.name;
  return { digest: digest(key), principal: { keyId: name ?? keyIdOf(key), scopes: new Set(scopes) } };
}

/** Create an authenticator for the configured keys (`producer.api_keys`). */
export function createAuthenticator(keys: readonly ApiKeyEntry[]) {
  const entries = keys.map(entryOf);
  return function authenticate(header: string | undefined, options: { allowBasic?: boolean } = {}): Principal | undefined {
    const presented = presentedKey(header, options.allowBasic ?? true);
    if (presented === undefined) return undefined;
    const d = digest(presented);
    let match: Principal | undefined;
    for (const k of entries) {
      if (timingSafeEqual(d, k.digest) && match === undefined) match = k.principal;
    }
    return match;
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/**
 * A Fastify onRequest hook that answers 401 unless a valid key is presented.
 *
 * @param challenge - Send `WWW-Authenticate: Basic` so browsers prompt (dashboard).
 * @param options.allowBasic - Accept HTTP Basic (the dashboard); default Bearer only.
 */
export function requireApiKey(authenticate: ReturnType<typeof createAuthenticator>, challenge = false, options: { allowBasic?: boolean } = {}) {
  const allowBasic = options.allowBasic ?? false;
  return async function onRequest(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const principal = authenticate(req.headers.authorization, { allowBasic });
    if (principal === undefined) {
      if (challenge) void reply.header('www-authenticate', 'Basic realm="courier", charset="UTF-8"');
      else void reply.header('www-authenticate', 'Bearer realm="courier"');
      await reply.code(401).send({ error: { code: 'unauthorized', message: 'a valid API key is required (Authorization: Bearer <key>)' } });
      return;
    }
    req.principal = principal;
  };
}
