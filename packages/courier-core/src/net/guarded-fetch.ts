/**
 * `fetch` for outbound HTTP that honours `clients.http.disallow_private_ip_ranges`.
 *
 * Off, it is the platform's `fetch`. On, requests go through undici's `fetch` with
 * an agent whose connector checks every connection it opens: an IP literal before
 * connecting, a name through a guarded `lookup` so only checked addresses reach the
 * socket. Redirects open their connections through the same connector, so a
 * redirect to a private address is refused as well.
 */
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { createGuardedLookup, resolveAllowedAddresses, type AddressPolicy } from './address-guard.js';
import { disallowedRangeOf, isIpLiteral } from './address-ranges.js';

/** The subset of `fetch` Courier's outbound requests use. */
export type FetchFunction = (input: URL | string, init?: RequestInit) => Promise<Response>;

/** Options shared by everything that makes outbound HTTP requests. */
export interface OutboundHttpOptions {
  /**
   * Refuse hosts that are or resolve to private, loopback, link-local,
   * unique-local, CGNAT or other non-public addresses
   * (`clients.http.disallow_private_ip_ranges`). Default false.
   */
  readonly disallowPrivateIpRanges?: boolean | undefined;
}

/**
 * Create a `fetch` whose every connection is checked against `policy`. Each call
 * makes its own connection pool; Courier uses one, {@link guardedFetch}.
 */
export function createGuardedFetch(policy: AddressPolicy = disallowedRangeOf): FetchFunction {
  let agent: Agent | undefined;
  const dispatcher = (): Agent => {
    if (agent !== undefined) return agent;
    const connect = buildConnector({ lookup: createGuardedLookup(policy) });
    agent = new Agent({
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
    return agent;
  };
  return async (input, init) => {
    // undici's Request/Response declarations are structurally the platform's; the casts bridge the two.
    const response = await undiciFetch(input, { ...(init as object), dispatcher: dispatcher() } as Parameters<typeof undiciFetch>[1]);
    return response as unknown as Response;
  };
}

/** The process's guarded `fetch`: one connection pool, shared like the platform fetch's. */
export const guardedFetch: FetchFunction = createGuardedFetch();

/** The `fetch` to use for outbound requests under `options`. */
export function outboundFetch(options: OutboundHttpOptions = {}): FetchFunction {
  return options.disallowPrivateIpRanges === true ? guardedFetch : (input, init) => fetch(input, init);
}
