/**
 * Query and path parameters of Kratos's admin message API, parsed as Kratos
 * parses them (Go's `net/url`, `strconv.Atoi`, ory/x keysetpagination,
 * gofrs/uuid), so the same requests succeed and fail, with the same messages.
 */

/** ory/x keysetpagination: Kratos's `ListMessages` passes `WithDefaultSize(10)`; the maximum is the package's 500. */
const KRATOS_DEFAULT_PAGE_SIZE = 10;
const KRATOS_MAX_PAGE_SIZE = 500;

/** Kratos's message statuses (`ToMessageStatus`, exact case). */
const KRATOS_STATUSES = ['queued', 'sent', 'processing', 'abandoned'] as const;
type KratosStatus = (typeof KRATOS_STATUSES)[number];

type QueryValue = string | string[] | undefined;

function values(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? [v] : [];
}

/** `url.Values.Get`: the first value. */
function first(v: unknown): string | undefined {
  return values(v)[0];
}

/** `cmp.Or(q[key]...)`: the first non-empty value. */
function firstNonEmpty(v: unknown): string | undefined {
  return values(v).find((x) => x !== '');
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's `strconv.Atoi` on a 64-bit platform: the number, or its error text. */
function goAtoi(s: string): { value: number } | { error: string } {
  const quoted = JSON.stringify(s);
  if (!/^[+-]?[0-9]+$/.test(s)) return { error: `strconv.Atoi: parsing ${quoted}: invalid syntax` };
  const n = BigInt(s);
  if (n < INT64_MIN || n > INT64_MAX) return { error: `strconv.Atoi: parsing ${quoted}: value out of range` };
  return { value: n > 1_000_000n ? 1_000_000 : n < -1_000_000n ? -1_000_000 : Number(n) };
}

/** The page size keysetpagination's `Paginator.Size()` uses for a requested size. */
function clampKratosPageSize(requested: number | undefined): number {
  if (requested === undefined || requested <= 0) return KRATOS_DEFAULT_PAGE_SIZE;
  return Math.min(requested, KRATOS_MAX_PAGE_SIZE);
}

/** A parsed list query, or why Kratos would answer 400. */
export type KratosListParams =
  { ok: true; status: KratosStatus | undefined; recipient: string | undefined; pageSize: number; pageToken: string | undefined } | { ok: false; message: string; reason?: string };

/** Parse `GET /admin/courier/messages`'s query as Kratos's `parseMessagesFilter`; unknown parameters are ignored. */
export function parseKratosListQuery(query: Record<string, QueryValue> | undefined): KratosListParams {
  const q = query ?? {};
  let status: KratosStatus | undefined;
  if (Object.hasOwn(q, 'status')) {
    const s = first(q['status']) ?? '';
    if (!(KRATOS_STATUSES as readonly string[]).includes(s)) {
      return { ok: false, message: 'The request was malformed or contained invalid parameters', reason: 'Message status is not valid' };
    }
    status = s as KratosStatus;
  }
  const pageToken = Object.hasOwn(q, 'page_token') ? firstNonEmpty(q['page_token']) : undefined;
  let requested: number | undefined;
  const rawSize = Object.hasOwn(q, 'page_size') ? firstNonEmpty(q['page_size']) : undefined;
  if (rawSize !== undefined) {
    const parsed = goAtoi(rawSize);
    if ('error' in parsed) return { ok: false, message: parsed.error };
    requested = parsed.value;
  }
  const recipient = Object.hasOwn(q, 'recipient') ? first(q['recipient']) : undefined;
  return { ok: true, status, recipient: recipient === '' ? undefined : recipient, pageSize: clampKratosPageSize(requested), pageToken };
}

const HEX32 = /^[0-9a-fA-F]{32}$/;
const CANONICAL = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * A message id as gofrs/uuid's `FromString` reads it (canonical, 32 hex digits,
 * braced, `urn:uuid:`; any case), in Courier's form (lower-case canonical); or
 * the error text Kratos answers with.
 */
export function parseKratosId(s: string): { id: string } | { error: string } {
  const canonical = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`.toLowerCase();
  const inner = (t: string): string | undefined => (HEX32.test(t) ? canonical(t) : CANONICAL.test(t) ? t.toLowerCase() : undefined);
  let id: string | undefined;
  // Go measures the string in bytes.
  const length = Buffer.byteLength(s, 'utf8');
  switch (length) {
    case 32:
    case 36:
      id = inner(s);
      break;
    case 34:
    case 38:
      id = s.startsWith('{') && s.endsWith('}') ? inner(s.slice(1, -1)) : undefined;
      break;
    case 41:
    case 45:
      id = s.slice(0, 9).toLowerCase() === 'urn:uuid:' ? inner(s.slice(9)) : undefined;
      break;
    default:
      return { error: `uuid: incorrect UUID length ${length} in string ${JSON.stringify(s)}` };
  }
  return id === undefined ? { error: `uuid: incorrect UUID format in string ${JSON.stringify(s)}` } : { id };
}
