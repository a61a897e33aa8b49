/**
 * Classification of nodemailer's SMTP failures into retryable and permanent
 * `DeliveryError`s (docs/architecture.md, "Error codes"), with every trace of
 * the SMTP credentials scrubbed from the text.
 *
 * Rules, first match wins:
 * - `EABORT` (the attempt's signal fired) -> retryable `SMTP_ABORTED`.
 * - `ETIMEDOUT` -> retryable `SMTP_TIMEOUT`.
 * - an SMTP reply 4xx, whatever the step (RCPT, DATA, AUTH 454, STARTTLS 454) -> retryable `SMTP_TRANSIENT`.
 * - `EAUTH`/`ENOAUTH` -> permanent `SMTP_AUTH`: wrong credentials stay wrong until the config changes.
 * - `ETLS` -> permanent `SMTP_TLS` (see {@link isTransientTlsFailure} for the exception);
 *   certificate verification failures reported as socket errors -> permanent `SMTP_TLS`.
 * - reply 503 -> retryable `SMTP_TRANSIENT` (nodemailer's reading of RFC 5321: "bad sequence
 *   of commands" describes the session, not the message, and a new connection can succeed).
 * - any other 5xx reply -> permanent `SMTP_PERMANENT` (rejected sender or recipient, refused content).
 * - `EENVELOPE`/`EMESSAGE` without a reply (address nodemailer itself refused, message too
 *   large for the announced SIZE) -> permanent `SMTP_ENVELOPE` / `SMTP_MESSAGE`.
 * - `ECONFIG` -> permanent `SMTP_CONFIG`.
 * - anything else (`ECONNECTION`, `ESOCKET`, `EDNS`, `ECONNREFUSED`, protocol noise, unknown
 *   throws) -> retryable `SMTP_CONNECTION`.
 */
import { DeliveryError, type CourierErrorCode } from '../errors.js';
import { findDisallowedAddressError } from '../net/address-guard.js';
import { redactSecrets } from '../redaction/secrets.js';

/** The fields nodemailer attaches to its errors that classification reads. */
interface SmtpErrorFields {
  readonly message: string;
  readonly code: string | undefined;
  readonly originalCode: string | undefined;
  readonly responseCode: number | undefined;
  readonly response: string | undefined;
  readonly command: string | undefined;
}

/** Options of {@link classifySmtpError}. */
export interface ClassifySmtpErrorOptions {
  /**
   * Strings that must not appear in the resulting error, typically from
   * {@link smtpSecretVariants}. Replaced by `[redacted]` in message and cause.
   */
  readonly secrets?: readonly string[];
}

/**
 * Node's codes for a certificate the client refused to trust. A server presenting
 * such a certificate keeps presenting it: retrying cannot help until config changes.
 */
const CERTIFICATE_ERROR_CODES: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * STARTTLS upgrades lose the original TLS error code (nodemailer wraps it as
 * `Error initiating TLS - <message>`), so certificate failures are also recognised
 * by Node's wording.
 */
const CERTIFICATE_ERROR_TEXT =
  /self[- ]signed certificate|unable to (?:verify|get) (?:the first|local issuer|issuer)|certificate has expired|certificate is not yet valid|Hostname\/IP does not match|altnames|certificate signature failure|invalid CA/i;

const MAX_DETAIL_LENGTH = 300;

/**
 * Every form in which SMTP credentials could show up in a nodemailer error or log:
 * the password as is and URI-encoded (as in a connection URI), and the base64 tokens
 * of AUTH PLAIN and AUTH LOGIN.
 */
export function smtpSecretVariants(user: string | undefined, password: string | undefined): string[] {
  if (password === undefined || password === '') return [];
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
  const u = user ?? '';
  const variants = [password, encodeURIComponent(password), b64(password), b64(`\u0000${u}\u0000${password}`), b64(`${u}\u0000${u}\u0000${password}`)];
  // Longest first, so a token containing a shorter secret is replaced whole.
  return [...new Set(variants)].sort((a, b) => b.length - a.length);
}

function fieldsOf(err: unknown): SmtpErrorFields {
  if (typeof err !== 'object' || err === null) {
    return {
      message: String(err),
      code: undefined,
      originalCode: undefined,
      responseCode: undefined,
      response: undefined,
      command: undefined,
    };
  }
  const e = err as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- last resort for a thrown non-Error without a message.
    message: str(e['message']) ?? String(err),
    code: str(e['code']),
    originalCode: str(e['originalCode']),
    responseCode: typeof e['responseCode'] === 'number' ? e['responseCode'] : undefined,
    response: str(e['response']),
    command: str(e['command']),
  };
}

function isCertificateFailure(f: SmtpErrorFields): boolean {
  return (
    (f.originalCode !== undefined && CERTIFICATE_ERROR_CODES.has(f.originalCode)) ||
    (f.code !== undefined && CERTIFICATE_ERROR_CODES.has(f.code)) ||
    ((f.code === 'ETLS' || f.code === 'ESOCKET') && CERTIFICATE_ERROR_TEXT.test(f.message))
  );
}

/**
 * An `ETLS` failure is permanent: the server refused STARTTLS (5xx, or it does not offer
 * it while the URI requires it), the handshake found no common protocol or cipher, or
 * the certificate was refused. Those are configuration problems on one side or the
 * other, and retrying would only delay the operator's notice while the message ages.
 * The exception is a connection that simply dropped mid-handshake (reset, closed, hung
 * up): that looks like any other network blip and is retried.
 */
function isTransientTlsFailure(f: SmtpErrorFields): boolean {
  if (isCertificateFailure(f)) return false;
  return /Connection closed unexpectedly|ECONNRESET|EPIPE|socket hang up/i.test(f.message);
}

/**
 * One line, bounded length: a DeliveryError message ends up in dispatch records
 * and logs. Secrets are removed before the text is cut, so a cut cannot leave
 * the start of a secret behind.
 */
function describe(f: SmtpErrorFields, secrets: readonly string[]): string {
  const detail = redactSecrets(f.response ?? f.message, secrets);
  const oneLine = detail.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  const bounded = oneLine.length > MAX_DETAIL_LENGTH ? `${oneLine.slice(0, MAX_DETAIL_LENGTH)}...` : oneLine;
  const where = f.command !== undefined && f.command !== 'CONN' && f.command !== 'API' ? ` at ${f.command}` : '';
  const code = f.responseCode !== undefined ? ` ${f.responseCode}` : '';
  const what = f.response !== undefined ? `SMTP${code}${where}` : `SMTP ${f.code ?? 'error'}${where}`;
  return `${what}: ${bounded}`;
}

function containsSecret(err: unknown, f: SmtpErrorFields, secrets: readonly string[]): boolean {
  const texts = [f.message, f.response ?? '', f.command ?? ''];
  if (err instanceof Error && typeof err.stack === 'string') texts.push(err.stack);
  return secrets.some((s) => s !== '' && texts.some((t) => t.includes(s)));
}

/**
 * The cause to attach: the original error when it is clean, otherwise a scrubbed
 * copy, since loggers serialise causes (message, stack, enumerable fields) too.
 */
function safeCause(err: unknown, f: SmtpErrorFields, secrets: readonly string[]): unknown {
  if (!containsSecret(err, f, secrets)) return err;
  const copy = new Error(redactSecrets(f.message, secrets));
  copy.name = err instanceof Error ? err.name : 'Error';
  if (err instanceof Error && typeof err.stack === 'string') copy.stack = redactSecrets(err.stack, secrets);
  const extra: Record<string, unknown> = {};
  if (f.code !== undefined) extra['code'] = f.code;
  if (f.originalCode !== undefined) extra['originalCode'] = f.originalCode;
  if (f.responseCode !== undefined) extra['responseCode'] = f.responseCode;
  if (f.response !== undefined) extra['response'] = redactSecrets(f.response, secrets);
  if (f.command !== undefined) extra['command'] = redactSecrets(f.command, secrets);
  return Object.assign(copy, extra);
}

/**
 * Turn whatever nodemailer threw into a `DeliveryError` with a stable code, the
 * retryable/permanent decision (see the module comment for the rules) and a short,
 * secret-free message naming the SMTP reply code and the server's text.
 * A `DeliveryError` passes through unchanged.
 */
export function classifySmtpError(err: unknown, options: ClassifySmtpErrorOptions = {}): DeliveryError {
  if (err instanceof DeliveryError) return err;
  // clients.smtp.disallow_private_ip_ranges refused the server: the same host is refused again.
  const refused = findDisallowedAddressError(err);
  if (refused !== undefined) return new DeliveryError(refused.code, `SMTP: ${refused.message}`, { retryable: false, cause: refused });
  const secrets = options.secrets ?? [];
  const f = fieldsOf(err);
  const message = redactSecrets(describe(f, secrets), secrets);
  const cause = safeCause(err, f, secrets);
  const fail = (code: CourierErrorCode, retryable: boolean): DeliveryError => new DeliveryError(code, message, { retryable, cause });
  const reply = f.responseCode;

  if (f.code === 'EABORT') return fail('SMTP_ABORTED', true);
  if (f.code === 'ETIMEDOUT') return fail('SMTP_TIMEOUT', true);
  if (reply !== undefined && reply >= 400 && reply < 500) return fail('SMTP_TRANSIENT', true);
  if (f.code === 'EAUTH' || f.code === 'ENOAUTH') return fail('SMTP_AUTH', false);
  if (f.code === 'ETLS') return isTransientTlsFailure(f) ? fail('SMTP_CONNECTION', true) : fail('SMTP_TLS', false);
  if (isCertificateFailure(f)) return fail('SMTP_TLS', false);
  if (reply === 503) return fail('SMTP_TRANSIENT', true);
  if (reply !== undefined && reply >= 500 && reply < 600) return fail('SMTP_PERMANENT', false);
  if (f.code === 'EENVELOPE') return fail('SMTP_ENVELOPE', false);
  if (f.code === 'EMESSAGE') return fail('SMTP_MESSAGE', false);
  if (f.code === 'ECONFIG') return fail('SMTP_CONFIG', false);
  return fail('SMTP_CONNECTION', true);
}
