/**
 * The SMTP delivery strategy: Kratos's `courier.smtp` section on a pooled nodemailer
 * transport. The connection URI is read by `parseSmtpConnectionUri`; messages are
 * written by Courier's own MIME writer (`mime.ts`) and handed to nodemailer as `raw`
 * with an explicit envelope; failures are classified by `classifySmtpError`.
 */
import { readFileSync } from 'node:fs';
import { createTransport } from 'nodemailer';
import type { SMTPPoolOptions, SendMailOptions } from 'nodemailer';
import type { CourierSection } from '../config/schema.js';
import { parseSmtpConnectionUri, type SmtpConnection } from '../config/smtp-uri.js';
import { ConfigError, DeliveryError } from '../errors.js';
import { guardedSmtpSocket, type GetSocket } from '../net/guarded-socket.js';
import { messageSecrets } from './message-secrets.js';
import { COURIER_MESSAGE_ID_HEADER, createMimeWriter, headerNameProblem, MimeInputError, type MimeMessage, type MimeWriter } from './mime.js';
import { classifySmtpError, smtpSecretVariants } from './smtp-errors.js';
import { HAND_OVER_KEY, installHandOverGate, type HandOverHooks } from './smtp-hand-over.js';
import type { DeliveryContext, DeliveryResult, DeliveryStrategy, OutboundMessage } from './strategy.js';

/**
 * The typed `courier.smtp` configuration section; the keys the schema defaults
 * (local name, client certificate paths) may be left out by direct callers.
 */
export type SmtpConfig = Omit<CourierSection['smtp'], 'local_name' | 'client_cert_path' | 'client_key_path' | 'pool' | 'retry_on_unknown'> &
  Partial<Pick<CourierSection['smtp'], 'local_name' | 'client_cert_path' | 'client_key_path' | 'pool' | 'retry_on_unknown'>>;

/** Options of {@link createSmtpStrategy}. */
export interface SmtpStrategyOptions {
  readonly smtp: SmtpConfig;
  /**
   * Pooled connections: at most `maxConnections`, each reused for `maxMessages`. Defaults:
   * the section's `pool` keys, else 10 and 1,000 (the config schema's defaults).
   */
  readonly pool?: { readonly maxConnections?: number; readonly maxMessages?: number };
  /** Defaults: connect 10 s, greeting 10 s, socket inactivity 30 s. */
  readonly timeouts?: { readonly connectionMs?: number; readonly greetingMs?: number; readonly socketMs?: number };
  /** `clients.smtp.disallow_private_ip_ranges`: refuse a server that is or resolves to a non-public address. */
  readonly disallowPrivateIpRanges?: boolean | undefined;
  /** Where the section is in the config file, for errors (default `courier.smtp`; a channel's is `courier.channels[i].smtp`). */
  readonly configPath?: string;
}

export { COURIER_MESSAGE_ID_HEADER };

const DEFAULT_MAX_CONNECTIONS = 10;
const DEFAULT_MAX_MESSAGES = 1_000;
const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000;
const DEFAULT_GREETING_TIMEOUT_MS = 10_000;
const DEFAULT_SOCKET_TIMEOUT_MS = 30_000;

function configError(path: string, message: string, cause?: unknown): ConfigError {
  return new ConfigError('configuration is invalid', [{ path, message }], cause === undefined ? undefined : { cause });
}

function connectionOf(smtp: SmtpConfig, section: string): SmtpConnection {
  const path = `${section}.connection_uri`;
  if (smtp.connection_uri === undefined) throw configError(path, 'is required for the smtp strategy');
  try {
    return parseSmtpConnectionUri(smtp.connection_uri);
  } catch (err) {
    // parseSmtpConnectionUri's messages never quote the URI (it may hold a password).
    throw configError(path, (err as Error).message);
  }
}

/** Read a PEM file named in config now, so a typo fails at start-up rather than at the first send. */
function readPem(key: 'client_cert_path' | 'client_key_path', file: string, section: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw configError(`${section}.${key}`, `cannot read "${file}" (${reason})`, err);
  }
}

/** The MIME writer for the section; header names and the from address fail here, at start-up. */
function mimeWriterOf(smtp: SmtpConfig, section: string): MimeWriter {
  for (const name of Object.keys(smtp.headers)) {
    const problem = headerNameProblem(name);
    if (problem !== undefined) throw configError(`${section}.headers.${name}`, problem);
  }
  try {
    const name = smtp.from_name !== undefined && smtp.from_name !== '' ? smtp.from_name : undefined;
    return createMimeWriter({ from: { name, address: smtp.from_address }, headers: smtp.headers, messageIdDomain: smtp.message_id_domain });
  } catch (err) {
    if (!(err instanceof MimeInputError)) throw err;
    const path = err.field === 'from' ? `${section}.from_address` : `${section}.headers.${err.field.replace(/^header:/, '')}`;
    throw configError(path, err.message, err);
  }
}

function transportOptions(options: SmtpStrategyOptions, conn: SmtpConnection, section: string): SMTPPoolOptions & { pool: true } {
  const { smtp } = options;
  const tls: NonNullable<SMTPPoolOptions['tls']> = { rejectUnauthorized: !conn.skipSslVerify };
  if (conn.serverName !== undefined) tls.servername = conn.serverName;
  if (smtp.client_cert_path !== undefined && smtp.client_key_path !== undefined) {
    tls.cert = readPem('client_cert_path', smtp.client_cert_path, section);
    tls.key = readPem('client_key_path', smtp.client_key_path, section);
  } else if (smtp.client_cert_path !== undefined || smtp.client_key_path !== undefined) {
    const missing = smtp.client_cert_path === undefined ? 'client_cert_path' : 'client_key_path';
    throw configError(`${section}.${missing}`, 'client_cert_path and client_key_path must be set together');
  }
  const base: SMTPPoolOptions & { pool: true } = {
    pool: true,
    host: conn.host,
    port: conn.port,
    maxConnections: options.pool?.maxConnections ?? smtp.pool?.max_connections ?? DEFAULT_MAX_CONNECTIONS,
    maxMessages: options.pool?.maxMessages ?? smtp.pool?.max_messages ?? DEFAULT_MAX_MESSAGES,
    connectionTimeout: options.timeouts?.connectionMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    greetingTimeout: options.timeouts?.greetingMs ?? DEFAULT_GREETING_TIMEOUT_MS,
    socketTimeout: options.timeouts?.socketMs ?? DEFAULT_SOCKET_TIMEOUT_MS,
    tls,
    // Message content comes from templates and API callers: it must never make the
    // transport read local files or fetch URLs (attachments, `path` alternatives).
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  };
  switch (conn.tls) {
    case 'starttls':
      // Kratos's smtp:// without disable_starttls: refuse to continue in plain text.
      Object.assign(base, { secure: false, requireTLS: true });
      break;
    case 'implicit':
      Object.assign(base, { secure: true });
      break;
    case 'none':
      Object.assign(base, { secure: false, ignoreTLS: true });
      break;
  }
  if (options.disallowPrivateIpRanges === true) {
    (base as { getSocket?: GetSocket }).getSocket = guardedSmtpSocket(options.timeouts?.connectionMs ?? DEFAULT_CONNECTION_TIMEOUT_MS);
  }
  if (conn.user !== undefined) base.auth = { user: conn.user, pass: conn.password ?? '' };
  if (smtp.local_name !== undefined) base.name = smtp.local_name;
  return base;
}

/** True when nodemailer's error carries a reply of the server (a 4xx/5xx answer, not a dropped connection). */
function hasReply(err: unknown): boolean {
  return typeof err === 'object' && err !== null && typeof (err as { responseCode?: unknown }).responseCode === 'number';
}

/**
 * Create the SMTP strategy for a `courier.smtp` section.
 *
 * Connections are pooled and TLS follows the connection URI (`smtp://` requires
 * STARTTLS, `disable_starttls=true` stays plain, `smtps://` is implicit TLS).
 * `from_name`/`from_address`, `headers` and `local_name` apply to every message; each
 * message also carries `X-Courier-Message-Id`. An HTML body makes a
 * multipart/alternative message with the plain-text body. The message is built by
 * {@link createMimeWriter} and sent as `raw`; the reported `providerMessageId` is the
 * `Message-ID` it generated.
 *
 * @throws ConfigError when the URI is missing or invalid, a client certificate or key file cannot be read,
 *   or a configured header name is invalid.
 */
export function createSmtpStrategy(options: SmtpStrategyOptions): DeliveryStrategy {
  const { smtp } = options;
  const section = options.configPath ?? 'courier.smtp';
  const conn = connectionOf(smtp, section);
  const writer = mimeWriterOf(smtp, section);
  const transporter = createTransport(transportOptions(options, conn, section));
  installHandOverGate(transporter);
  const secrets = smtpSecretVariants(conn.user, conn.password);
  const retryOnUnknown = smtp.retry_on_unknown ?? true;

  return {
    name: 'smtp',

    async send(message: OutboundMessage, ctx?: DeliveryContext): Promise<DeliveryResult> {
      if (message.type !== 'email') {
        throw new DeliveryError('UNSUPPORTED_MESSAGE_TYPE', `the smtp strategy delivers e-mail only, got a message of type "${message.type}"`, { retryable: false });
      }
      let built: MimeMessage;
      try {
        built = writer.build({
          to: message.recipient,
          subject: message.subject,
          text: message.body,
          html: message.html_body,
          courierMessageId: message.id,
        });
      } catch (err) {
        if (!(err instanceof MimeInputError)) throw err;
        throw new DeliveryError('SMTP_ENVELOPE', err.message, { retryable: false });
      }
      // `messageId` only names the message for nodemailer (info.messageId, logs): with
      // `raw` nothing of the message is generated, and no random id is drawn.
      const mail: SendMailOptions = { envelope: built.envelope, raw: built.raw, messageId: built.messageId };
      // The pooled transport gives up on a queued or in-flight send when this fires.
      if (ctx?.signal !== undefined) mail.signal = ctx.signal;
      // The hand-over: the caller's check runs once DATA is accepted, before the body.
      const seen: { refusal?: { readonly err: unknown }; handedOver: boolean } = { handedOver: false };
      const hooks: HandOverHooks = {
        check: ctx?.handOver ?? (() => undefined),
        refused: (err) => (seen.refusal = { err }),
        handedOver: () => (seen.handedOver = true),
      };
      (mail as Record<string, unknown>)[HAND_OVER_KEY] = hooks;
      try {
        const info = await transporter.sendMail(mail);
        return { providerMessageId: built.messageId, response: info.response };
      } catch (err) {
        if (seen.refusal !== undefined) throw seen.refusal.err;
        // A server's rejection may quote the message (content filters do): its
        // one-time codes are scrubbed along with the credentials.
        const classified = classifySmtpError(err, { secrets: [...secrets, ...messageSecrets(message)] });
        if (seen.handedOver && !hasReply(err)) {
          // The body and the final dot went out and no answer came: it may have been delivered.
          throw new DeliveryError('SMTP_OUTCOME_UNKNOWN', `no answer after the message was handed over: ${classified.message}`, {
            retryable: retryOnUnknown,
            outcomeUnknown: true,
            cause: classified,
          });
        }
        throw classified;
      }
    },

    async verify(): Promise<void> {
      try {
        await transporter.verify();
      } catch (err) {
        throw classifySmtpError(err, { secrets });
      }
    },

    async close(): Promise<void> {
      transporter.close();
    },
  };
}
