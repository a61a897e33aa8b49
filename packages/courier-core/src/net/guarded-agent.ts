/**
 * The connection pools for outbound HTTP: undici `Agent`s, one plain and one that
 * honours `clients.http.disallow_private_ip_ranges`.
 *
 * The guarded agent's connector checks every connection it opens: an IP literal
 * before connecting, a name through a guarded `lookup` so only checked addresses
 * reach the socket. Whatever runs on it (`request` in `http-client.ts`, for deliveries and
 * templates alike) and every redirect hop it follows opens its connections through
 * that connector, so a redirect to a private address is refused as well.
 */
import type { Agent } from 'undici';
import { createGuardedLookup, resolveAllowedAddresses, type AddressPolicy } from './address-guard.js';
import { disallowedRangeOf, isIpLiteral } from './address-ranges.js';
import { undici } from './undici-lazy.js';

/**
 * Create an agent whose every connection is checked against `policy`. Each call
 * makes its own connection pool; Courier shares one, {@link guardedAgent}.
 */
export function createGuardedAgent(policy: AddressPolicy = disallowedRangeOf): Agent {
  const { Agent, buildConnector } = undici();
  const connect = buildConnector({ lookup: createGuardedLookup(policy) });
  return new Agent({
    connect(options, callback) {
      // net.connect skips `lookup` for IP literals, so those are checked here.
      if (isIpLiteral(options.hostname)) {
        resolveAllowedAddresses(options.hostname, {}, policy).then(
          () => connect(options, callback),
          (err: unknown) => callback(err as Error, null),
        );
        return;
      }
      connect(options, callback);
    },
  });
}

/**
 * A lazily created agent: nothing is built until the first request needs it.
 *
 * @param create - Builds the agent on first use.
 */
export function lazyAgent(create: () => Agent): () => Agent {
  let agent: Agent | undefined;
  return () => (agent ??= create());
}

/** The process's guarded agent (default policy): one connection pool for every guarded request. */
export const guardedAgent: () => Agent = lazyAgent(() => createGuardedAgent());

/** The process's plain agent for outbound deliveries: keep-alive pooling, no address checks. */
export const plainAgent: () => Agent = lazyAgent(() => new (undici().Agent)());
