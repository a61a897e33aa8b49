/**
 * Which IP addresses an outbound request must not reach when
 * `clients.http.disallow_private_ip_ranges` is on (Kratos's SSRF guard):
 * private, loopback, link-local, unique-local, shared (CGNAT), unspecified,
 * multicast and other special-purpose ranges (IANA's IPv4 and IPv6 special-purpose
 * registries), for IPv4 and IPv6 alike. An IPv6 address that carries an IPv4
 * address (IPv4-mapped, IPv4-translated, NAT64, 6to4) is judged by that IPv4 address,
 * since that is where the packets go.
 *
 * Pure functions only: nothing here touches the network.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Why an address is refused. */
export type DisallowedRange =
  'unspecified' | 'loopback' | 'private' | 'shared (CGNAT)' | 'link-local' | 'unique-local' | 'site-local' | 'multicast' | 'documentation' | 'benchmarking' | 'reserved';

interface Ipv4Range {
  readonly base: number;
  readonly bits: number;
  readonly range: DisallowedRange;
}

function v4(text: string): number {
  const parts = text.split('.').map(Number);
  return (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
}

const IPV4_RANGES: readonly Ipv4Range[] = [
  { base: v4('0.0.0.0'), bits: 8, range: 'unspecified' },
  { base: v4('10.0.0.0'), bits: 8, range: 'private' },
  { base: v4('100.64.0.0'), bits: 10, range: 'shared (CGNAT)' },
  { base: v4('127.0.0.0'), bits: 8, range: 'loopback' },
  { base: v4('169.254.0.0'), bits: 16, range: 'link-local' },
  { base: v4('172.16.0.0'), bits: 12, range: 'private' },
  { base: v4('192.0.0.0'), bits: 24, range: 'reserved' },
  { base: v4('192.0.2.0'), bits: 24, range: 'documentation' },
  { base: v4('192.88.99.0'), bits: 24, range: 'reserved' },
  { base: v4('192.168.0.0'), bits: 16, range: 'private' },
  { base: v4('198.18.0.0'), bits: 15, range: 'benchmarking' },
  { base: v4('198.51.100.0'), bits: 24, range: 'documentation' },
  { base: v4('203.0.113.0'), bits: 24, range: 'documentation' },
  { base: v4('224.0.0.0'), bits: 4, range: 'multicast' },
  // 240.0.0.0/4 is reserved for future use and includes the broadcast address.
  { base: v4('240.0.0.0'), bits: 4, range: 'reserved' },
];

function classifyIpv4(value: number): DisallowedRange | undefined {
  for (const r of IPV4_RANGES) {
    const mask = r.bits === 0 ? 0 : (~0 << (32 - r.bits)) >>> 0;
    if ((value & mask) >>> 0 === r.base) return r.range;
  }
  return undefined;
}

/** The eight 16-bit groups of a valid IPv6 address (zone and brackets removed). */
function ipv6Groups(text: string): number[] {
  let rest = text;
  const groups: number[] = [];
  // A trailing dotted quad (`::ffff:127.0.0.1`) stands for the last two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(rest);
  let tail: number[] = [];
  if (dotted?.[1] !== undefined) {
    const n = v4(dotted[1]);
    tail = [n >>> 16, n & 0xffff];
    rest = rest.slice(0, -dotted[1].length);
    if (rest.endsWith(':') && !rest.endsWith('::')) rest = rest.slice(0, -1);
  }
  const [head = '', after] = rest.split('::');
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = [...(after === undefined ? [] : parse(after)), ...tail];
  if (after === undefined) return [...left, ...right];
  const zeros = 8 - left.length - right.length;
  groups.push(...left, ...new Array<number>(Math.max(0, zeros)).fill(0), ...right);
  return groups;
}

/** The IPv4 address an IPv6 address carries to an IPv4 host, if it is of such a form. */
function embeddedIpv4(g: readonly number[]): number | undefined {
  const at = (i: number): number => g[i] ?? 0;
  const fromGroups = (hi: number, lo: number): number => ((hi << 16) | lo) >>> 0;
  const zeroUpTo = (n: number): boolean => g.slice(0, n).every((x) => x === 0);
  // ::ffff:a.b.c.d (IPv4-mapped) and ::ffff:0:a.b.c.d (IPv4-translated).
  if (zeroUpTo(5) && at(5) === 0xffff) return fromGroups(at(6), at(7));
  if (zeroUpTo(4) && at(4) === 0xffff && at(5) === 0) return fromGroups(at(6), at(7));
  // 64:ff9b::a.b.c.d, the well-known NAT64 prefix.
  if (at(0) === 0x64 && at(1) === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return fromGroups(at(6), at(7));
  // 2002:AABB:CCDD::/48, 6to4.
  if (at(0) === 0x2002) return fromGroups(at(1), at(2));
  return undefined;
}

function classifyIpv6(g: readonly number[]): DisallowedRange | undefined {
  const at = (i: number): number => g[i] ?? 0;
  const embedded = embeddedIpv4(g);
  if (embedded !== undefined) return classifyIpv4(embedded);
  if (g.every((x) => x === 0)) return 'unspecified';
  if (g.slice(0, 7).every((x) => x === 0) && at(7) === 1) return 'loopback';
  if ((at(0) & 0xfe00) === 0xfc00) return 'unique-local';
  if ((at(0) & 0xffc0) === 0xfe80) return 'link-local';
  if ((at(0) & 0xffc0) === 0xfec0) return 'site-local';
  if ((at(0) & 0xff00) === 0xff00) return 'multicast';
  if ((at(0) === 0x2001 && at(1) === 0x0db8) || (at(0) & 0xfff0) === 0x3ff0) return 'documentation';
  // 64:ff9b:1::/48, NAT64 for local use: addresses inside a private network.
  if (at(0) === 0x64 && at(1) === 0xff9b && at(2) === 1) return 'private';
  // 2001::/23: Teredo, benchmarking, ORCHID and other protocol assignments.
  if (at(0) === 0x2001 && at(1) < 0x0200) return 'reserved';
  // Only 2000::/3 is global unicast; everything else (::/96, 100::/64, ...) is special-purpose.
  if ((at(0) & 0xe000) !== 0x2000) return 'reserved';
  return undefined;
}

/** An IP address in a form the classifier takes: brackets and a zone id removed. */
function bareAddress(address: string): string {
  let a = address.trim();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  const zone = a.indexOf('%');
  return zone === -1 ? a : a.slice(0, zone);
}

/**
 * The special-purpose range an IP address belongs to, or undefined for a public
 * (globally routable) address.
 *
 * @param address - An IPv4 or IPv6 literal; brackets and an IPv6 zone id are accepted.
 * @throws TypeError when `address` is not an IP address.
 */
export function disallowedRangeOf(address: string): DisallowedRange | undefined {
  const a = bareAddress(address);
  if (isIPv4(a)) return classifyIpv4(v4(a));
  if (isIPv6(a)) return classifyIpv6(ipv6Groups(a.toLowerCase()));
  throw new TypeError('not an IP address');
}

/** True when `host` (a URL's hostname) is an IP literal rather than a name. */
export function isIpLiteral(host: string): boolean {
  const a = bareAddress(host);
  return isIPv4(a) || isIPv6(a);
}

/** The IPv4 address an IPv6 literal carries (for messages), e.g. `127.0.0.1` for `::ffff:7f00:1`. */
export function embeddedIpv4Of(address: string): string | undefined {
  const a = bareAddress(address);
  if (!isIPv6(a)) return undefined;
  const n = embeddedIpv4(ipv6Groups(a.toLowerCase()));
  return n === undefined ? undefined : [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}
