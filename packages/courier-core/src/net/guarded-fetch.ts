/**
 * `fetch` for outbound HTTP that honours `clients.http.disallow_private_ip_ranges`.
 *
 * Off, it is the platform's `fetch`. On, requests go through undici's `fetch` with
 * the guarded agent of `guarded-agent.ts`, whose connector checks every connection
 * it opens, redirect hops included. Deliveries use `http-client.ts` (undici's
 * `request`) on the same agent; this `fetch` serves `http(s)://` templates.
 */
import { fetch as undiciFetch, type Agent } from 'undici';
import type { AddressPolicy } from './address-guard.js';
import { createGuardedAgent, guardedAgent, lazyAgent } from './guarded-agent.js';

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
  /**
   * URLs (Ory globs, see `ip-exceptions.ts`) the guard lets through
   * (`clients.http.private_ip_exception_urls`). A request to one of them follows
   * its redirects unchecked; Kratos checks each hop.
   */
  readonly privateIpExceptionUrls?: readonly string[] | undefined;
}

/**
 * Create a `fetch` whose every connection is checked against `policy`. Each call
 * makes its own connection pool; Courier uses one, {@link guardedFetch}.
 */
export function createGuardedFetch(policy?: AddressPolicy): FetchFunction {
  return fetchOn(lazyAgent(() => createGuardedAgent(policy)));
}

/** A `fetch` that sends through `dispatcher()`. */
function fetchOn(dispatcher: () => Agent): FetchFunction {
  return async (input, init) => {
    // undici's Request/Response declarations are structurally the platform's; the casts bridge the two.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the bridge between undici's and the platform's declarations, kept explicit.
    const response = await undiciFetch(input, { ...(init as object), dispatcher: dispatcher() } as Parameters<typeof undiciFetch>[1]);
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- an undici Response, not the platform's class, though structurally the same.
    return response as unknown as Response;
  };
}

/** The process's guarded `fetch`: on the shared guarded agent, the one guarded deliveries use too. */
const guardedFetch: FetchFunction = fetchOn(guardedAgent);

/** The `fetch` to use for outbound requests under `options`. */
export function outboundFetch(options: OutboundHttpOptions = {}): FetchFunction {
  return options.disallowPrivateIpRanges === true ? guardedFetch : (input, init) => fetch(input, init);
}
