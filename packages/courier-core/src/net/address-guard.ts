/**
 * The guard behind `clients.http.disallow_private_ip_ranges`: outbound HTTP
 * (delivery requests, `http(s)://` templates) may only reach public addresses.
 *
 * The check happens where the connection is made, not on the URL text: a name is
 * resolved with `dns.lookup(all: true)`, every address it resolves to is checked,
 * and only those checked addresses are handed to the socket. So a name that
 * resolves to a private address, a redirect to one, or a DNS answer that changes
 * between a check and the connect (rebinding) cannot slip past.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { CourierError } from '../errors.js';
import { disallowedRangeOf, embeddedIpv4Of, isIpLiteral, type DisallowedRange } from './address-ranges.js';

/**
 * Says which range a refused address is in, or undefined to allow it. The default
 * is {@link disallowedRangeOf}; tests narrow it to reach a loopback peer.
 */
export type AddressPolicy = (address: string) => DisallowedRange | undefined;

/** The configuration key that turns the guard on, as errors name it. */
const DISALLOW_PRIVATE_IP_RANGES_KEY = 'clients.http.disallow_private_ip_ranges';
/** The key that turns the guard on for the SMTP server. */
export const DISALLOW_PRIVATE_SMTP_RANGES_KEY = 'clients.smtp.disallow_private_ip_ranges';

/** Error code of {@link DisallowedAddressError}. */
const ADDRESS_DISALLOWED = 'ADDRESS_DISALLOWED';

/**
 * A request was refused because its host is, or resolves to, a private, loopback or
 * otherwise non-public address. Permanent: the same host will be refused again.
 * The message names the host and address, never a URL's credentials, path or query.
 */
export class DisallowedAddressError extends CourierError {
  /** The host as the request named it (a name or an IP literal). */
  readonly host: string;
  /** The refused address. */
  readonly address: string;
  readonly range: DisallowedRange;

  /** @param key - The configuration key that turned the guard on, as the message names it. */
  constructor(host: string, address: string, range: DisallowedRange, key: string = DISALLOW_PRIVATE_IP_RANGES_KEY) {
    const mapped = embeddedIpv4Of(address);
    const what = `${address}${mapped === undefined ? '' : ` (carrying IPv4 ${mapped})`}`;
    const article = /^[aeiou]/.test(range) ? 'an' : 'a';
    const where = host === address ? `${what} is ${article} ${range} address` : `${host} resolves to ${what}, ${article} ${range} address`;
    super(ADDRESS_DISALLOWED, `refused to connect: ${where}, and ${key} is true`);
    this.host = host;
    this.address = address;
    this.range = range;
  }
}

/** The {@link DisallowedAddressError} behind a failure (fetch wraps it in `cause`), if any. */
export function findDisallowedAddressError(err: unknown): DisallowedAddressError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && current !== null && typeof current === 'object'; depth++) {
    if (current instanceof DisallowedAddressError) return current;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors)) {
      for (const inner of errors) {
        const found = findDisallowedAddressError(inner);
        if (found !== undefined) return found;
      }
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Throw when an IP literal is in a disallowed range.
 *
 * @param host - The host as the request named it, for the message.
 * @param address - The IP address to check.
 * @throws DisallowedAddressError
 */
function assertAddressAllowed(host: string, address: string, policy: AddressPolicy = disallowedRangeOf): void {
  const range = policy(address);
  if (range !== undefined) throw new DisallowedAddressError(host, address, range);
}

/**
 * Resolve a host (name or IP literal) to every address it stands for and check
 * each of them; resolves with the addresses when all are public.
 *
 * @throws DisallowedAddressError when any address is in a disallowed range (one
 *   bad address in a DNS answer is enough: the socket could pick it).
 * @throws the resolver's error (e.g. `ENOTFOUND`) when the name does not resolve.
 */
export async function resolveAllowedAddresses(host: string, options: LookupOptions = {}, policy: AddressPolicy = disallowedRangeOf): Promise<LookupAddress[]> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIpLiteral(bare)) {
    assertAddressAllowed(bare, bare, policy);
    return [{ address: bare, family: bare.includes(':') ? 6 : 4 }];
  }
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) => {
    dnsLookup(bare, { ...options, all: true }, (err, found) => (err === null ? resolve(found) : reject(err)));
  });
  for (const a of addresses) assertAddressAllowed(bare, a.address, policy);
  return addresses;
}

/** The callback of a `net.connect` `lookup` function. */
type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` function as `net.connect` takes it. */
export type LookupFunction = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

/**
 * A `lookup` for `net.connect`/`tls.connect` (and so for undici's connector) that
 * resolves with {@link resolveAllowedAddresses}: the socket only ever sees checked
 * addresses. Answers in both shapes Node asks for (`all: true` with happy-eyeballs
 * connects, a single address otherwise).
 */
export function createGuardedLookup(policy: AddressPolicy = disallowedRangeOf): LookupFunction {
  return (hostname, options, callback) => {
    const lookupOptions: LookupOptions = { family: options.family ?? 0, ...(options.hints === undefined ? {} : { hints: options.hints }) };
    resolveAllowedAddresses(hostname, lookupOptions, policy).then(
      (addresses) => {
        const [first] = addresses;
        if (options.all === true) callback(null, addresses);
        else if (first === undefined) callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
        else callback(null, first.address, first.family);
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, ''),
    );
  };
}
