/**
 * Interpretation of Kratos's `courier.smtp.connection_uri`.
 *
 * - `smtp://` : STARTTLS is required, unless `?disable_starttls=true` (then plain text, STARTTLS not tried).
 * - `smtps://`: implicit TLS from the first byte (also `smtp://...?legacy_ssl=true`, Kratos's older spelling).
 * - `?skip_ssl_verify=true`: accept any certificate (development only).
 * - `?server_name=host`: TLS server name (SNI and certificate check) when it differs from the host.
 * - user and password URI-encoded in the userinfo.
 *
 * As in Kratos, flags are read with Go's `strconv.ParseBool` (a value it does not
 * know reads as false) and unknown parameters are ignored; both are reported in
 * `notes` so the apps can warn about them at start-up.
 */

/** TLS mode derived from the connection URI. */
type SmtpTlsMode = 'starttls' | 'implicit' | 'none';

/** The parts of an SMTP connection URI Courier uses. Holds the password: never log it. */
export interface SmtpConnection {
  readonly host: string;
  readonly port: number;
  readonly tls: SmtpTlsMode;
  readonly skipSslVerify: boolean;
  readonly serverName: string | undefined;
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** What Kratos would silently ignore or read as false (unknown parameters, non-Go booleans), for start-up warnings. */
  readonly notes: readonly string[];
}

/** Go's `strconv.ParseBool` spellings. */
const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);
const KNOWN_PARAMS = new Set(['skip_ssl_verify', 'disable_starttls', 'server_name', 'legacy_ssl']);

function flag(params: URLSearchParams, name: string, notes: string[]): boolean {
  const v = params.get(name);
  if (v === null || v === '') return false;
  if (GO_TRUE.has(v)) return true;
  if (!GO_FALSE.has(v)) notes.push(`query parameter ${name} is not a Go boolean (1, t, true, TRUE, 0, f, false, ...): read as false, as Kratos does`);
  return false;
}

/**
 * Parse a connection URI. Throws an `Error` whose message never contains the URI
 * (it may hold a password), only which part is wrong.
 */
export function parseSmtpConnectionUri(uri: string): SmtpConnection {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new Error('is not a valid URI (expected smtp://[user:password@]host[:port]/?options or smtps://...)');
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  if (scheme !== 'smtp' && scheme !== 'smtps') {
    throw new Error(`has scheme "${scheme}", expected "smtp" or "smtps"`);
  }
  if (url.hostname === '') throw new Error('has no host');
  const notes: string[] = [];
  for (const key of new Set(url.searchParams.keys())) {
    if (!KNOWN_PARAMS.has(key)) notes.push(`unknown query parameter "${key}" is ignored, as Kratos does (known: ${[...KNOWN_PARAMS].join(', ')})`);
  }
  const implicit = scheme === 'smtps' || flag(url.searchParams, 'legacy_ssl', notes);
  const disableStartTls = flag(url.searchParams, 'disable_starttls', notes);
  if (implicit && disableStartTls) {
    notes.push('disable_starttls is ignored with implicit TLS (smtps:// or legacy_ssl), as Kratos does');
  }
  const tls: SmtpTlsMode = implicit ? 'implicit' : disableStartTls ? 'none' : 'starttls';
  const port = url.port === '' ? (implicit ? 465 : 587) : Number(url.port);
  const decode = (s: string): string | undefined => {
    if (s === '') return undefined;
    try {
      return decodeURIComponent(s);
    } catch {
      throw new Error('has a user or password that is not valid percent-encoding');
    }
  };
  // IPv6 literals come back bracketed from URL; nodemailer wants them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host,
    port,
    tls,
    skipSslVerify: flag(url.searchParams, 'skip_ssl_verify', notes),
    serverName: url.searchParams.get('server_name') || undefined,
    user: decode(url.username),
    password: decode(url.password),
    notes,
  };
}
