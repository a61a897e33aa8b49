/**
 * A MIME writer for the one shape of e-mail Courier sends: a fixed header block, a
 * text/plain body and optionally a text/html alternative. It builds the message as one
 * string instead of nodemailer's MIME tree (header normalisation, random bytes and a
 * stream pipeline per message), and the SMTP strategy hands the result over as `raw`.
 *
 * What it guarantees:
 * - CRLF line endings; every header line at most 998 octets, and at most 78 characters
 *   for `Subject`, `X-Courier-Message-Id` and configured unstructured headers (non-ASCII
 *   or unfoldable values become RFC 2047 encoded-words, folded).
 * - No header injection: CR and LF in any value (subject, display name, configured
 *   header) become a space and every other control character is removed, so a value
 *   never starts a header line of its own; the recipient must be one plain address.
 * - Bodies are quoted-printable, or base64 when most of the text is not Latin (the choice
 *   nodemailer makes), with lines of at most 76 characters. The multipart boundary holds
 *   `=_`, which neither encoding can produce, so it never occurs in a body.
 * - Dot-stuffing is left to the SMTP connection (nodemailer stuffs `raw` too).
 *
 * The encoders are nodemailer's own (`nodemailer/lib/qp`, `base64`, `mime-funcs`).
 */
import { randomUUID } from 'node:crypto';
import { domainToASCII } from 'node:url';
import addressparser from 'nodemailer/lib/addressparser';
import * as base64 from 'nodemailer/lib/base64';
import * as mimeFuncs from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';
import * as qp from 'nodemailer/lib/qp';
import { CourierError } from '../errors.js';

/** Header carrying Courier's message id, independent of the generated `Message-ID`. */
export const COURIER_MESSAGE_ID_HEADER = 'X-Courier-Message-Id';

/** A mailbox: an address with an optional display name. */
interface MimeAddress {
  readonly name?: string | undefined;
  readonly address: string;
}

/** What is the same for every message of a writer (Kratos's `courier.smtp` section). */
export interface MimeWriterOptions {
  readonly from: MimeAddress;
  /**
   * Extra headers on every message (`courier.smtp.headers`). Names must pass
   * {@link headerNameProblem}. Headers the writer sets itself (`From`, `To`, `Subject`,
   * `Date`, `Message-ID`, `MIME-Version`, `Content-Type`, `Content-Transfer-Encoding`,
   * `X-Courier-Message-Id`) are ignored. `Reply-To`, `Sender` and `Cc` are written as
   * address lists; `Cc` and `Bcc` add their addresses to the envelope, and `Bcc` is not
   * written (as nodemailer and Kratos do).
   */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Domain of generated Message-IDs; defaults to the domain of the from address. */
  readonly messageIdDomain?: string | undefined;
}

/** What changes from message to message. */
export interface MimeMessageContent {
  /** One plain e-mail address (`local@domain`, no display name). */
  readonly to: string;
  /** No `Subject` header when empty or absent. */
  readonly subject?: string | undefined;
  readonly text: string;
  /** Makes the message multipart/alternative when a non-empty string. */
  readonly html?: string | undefined;
  /** Written as `X-Courier-Message-Id`. */
  readonly courierMessageId: string;
  /** Defaults to now. */
  readonly date?: Date | undefined;
}

/** A built message. */
export interface MimeMessage {
  /** The whole message (headers and body), CRLF line endings, not dot-stuffed. */
  readonly raw: Buffer;
  /** The generated `Message-ID`, angle brackets included (as nodemailer reports it). */
  readonly messageId: string;
  /** SMTP envelope: the from address, the recipient plus any configured Cc/Bcc addresses. */
  readonly envelope: { readonly from: string; readonly to: string[] };
}

/** A writer bound to one configuration; see {@link createMimeWriter}. */
export interface MimeWriter {
  build(content: MimeMessageContent): MimeMessage;
}

/** The input cannot make a valid message: a bad address or header name. */
export class MimeInputError extends CourierError {
  /** Which input is wrong: `from`, `to` or `header:<name>`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super('MIME_INPUT_INVALID', message);
    this.field = field;
  }
}

const MAX_LINE = 78;
const MAX_HEADER_NAME = 76;
/** RFC 5322 field name: printable US-ASCII except ':'. */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;
/** An address without anything that would need quoting or brackets, ASCII only. */
const PLAIN_ADDRESS = /^[^\x00-\x20\x7f-\uffff"(),:;<>@[\\\]]+@[^\x00-\x20\x7f-\uffff"(),:;<>@[\\\]]+$/;
const PLAIN_LOCAL_PART = /^[^\x00-\x20\x7f-\uffff"(),:;<>@[\\\]]+$/;
/** Printable ASCII and tab, without the start of an encoded-word: may go out as it is. */
const PLAIN_TEXT = /^[\x20-\x7e\t]*$/;
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f]/;

const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'from',
  'to',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  COURIER_MESSAGE_ID_HEADER.toLowerCase(),
]);
const ADDRESS_HEADERS: ReadonlySet<string> = new Set(['reply-to', 'sender', 'cc']);

/**
 * Why `name` cannot be a header name, or `undefined` when it can: printable US-ASCII
 * without spaces or `:`, at most 76 characters.
 */
export function headerNameProblem(name: string): string | undefined {
  if (!FIELD_NAME.test(name)) return 'is not a valid header name (printable ASCII without spaces or ":")';
  if (name.length > MAX_HEADER_NAME) return `is longer than ${MAX_HEADER_NAME} characters`;
  return undefined;
}

/** CR and LF become a space, the other control characters (but tab) are dropped. */
function cleanHeaderText(value: string): string {
  if (!CONTROLS.test(value)) return value;
  return value.replace(/\r\n|[\r\n]/g, ' ').replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '');
}

/**
 * Q (quoted-printable) when the text has more Latin letters than non-ASCII and control
 * characters, B (base64) otherwise: nodemailer's rule for header words and bodies.
 */
function preferredEncoding(value: string): 'Q' | 'B' {
  let latin = 0;
  let other = 0;
  for (let i = 0; i < value.length; i += 1) {
    const c = value.charCodeAt(i);
    if (c >= 0x80 || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d)) other += 1;
    else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) latin += 1;
  }
  return other < latin ? 'Q' : 'B';
}

/** True when no line is longer than `max` and no continuation line is blank. */
function wellFolded(folded: string, max: number): boolean {
  let start = 0;
  for (;;) {
    const end = folded.indexOf('\r\n', start);
    const line = end === -1 ? folded.slice(start) : folded.slice(start, end);
    if (line.length > max || (start > 0 && line.trim() === '')) return false;
    if (end === -1) return true;
    start = end + 2;
  }
}

/**
 * One unstructured header (RFC 5322 `unstructured`), folded. Plain text goes out as it
 * is when it folds into lines of at most 78 characters; anything else (non-ASCII, an
 * `=?` that a reader would take for an encoded-word, a word too long to fold) is
 * written as encoded-words short enough for the line limit.
 */
function unstructuredHeader(name: string, value: string): string {
  const line = `${name}: ${value}`;
  if (PLAIN_TEXT.test(value) && !value.includes('=?')) {
    if (line.length <= MAX_LINE) return line;
    const folded = mimeFuncs.foldLines(line, 76);
    if (wellFolded(folded, MAX_LINE)) return folded;
  }
  // Each encoded-word is at most `room` characters: `name: word` stays on one line for names
  // up to 49 characters; a longer name gets its own line, and the words follow, one a line.
  const room = Math.max(24, 73 - name.length);
  return mimeFuncs.foldLines(`${name}: ${mimeFuncs.encodeWord(value, preferredEncoding(value), room)}`, 76);
}

/** A display name as an atom, a quoted string or encoded-words (nodemailer's choice). */
function displayName(name: string): string {
  if (/^[\w ]*$/.test(name)) return name;
  if (/^[\x20-\x7e]*$/.test(name) && !name.includes('=?')) return mimeFuncs.quoteString(name);
  return mimeFuncs.encodeWord(name, preferredEncoding(name), 52);
}

/** The address when it is one plain `local@domain` (an IDN domain is punycoded), else undefined. */
function plainAddress(value: string): string | undefined {
  if (PLAIN_ADDRESS.test(value)) return value;
  const at = value.lastIndexOf('@');
  if (at <= 0 || !PLAIN_LOCAL_PART.test(value.slice(0, at))) return undefined;
  const domain = domainToASCII(value.slice(at + 1));
  const address = `${value.slice(0, at)}@${domain}`;
  return domain !== '' && PLAIN_ADDRESS.test(address) ? address : undefined;
}

/** A header line built from configuration: must fold cleanly and stay under 998 octets. */
function checkedConfigHeader(name: string, folded: string): string {
  if (!wellFolded(folded, 998)) throw new MimeInputError(`header:${name}`, `header "${name}" cannot be written within 998-character lines`);
  return folded;
}

function fromHeader(from: MimeAddress, address: string): string {
  const name = cleanHeaderText(from.name ?? '').trim();
  if (name === '') return `From: ${address}`;
  const line = `From: ${displayName(name)} <${address}>`;
  if (line.length <= MAX_LINE) return line;
  const folded = mimeFuncs.foldLines(line, 76);
  if (wellFolded(folded, 998)) return folded;
  return checkedConfigHeader('From', mimeFuncs.foldLines(`From: ${mimeFuncs.encodeWord(name, preferredEncoding(name), 52)} <${address}>`, 76));
}

/** The configured headers as folded lines, and the addresses Cc/Bcc add to the envelope. */
function configuredHeaders(headers: Readonly<Record<string, string>>): { lines: string[]; recipients: string[] } {
  const lines: string[] = [];
  const recipients: string[] = [];
  for (const [name, rawValue] of Object.entries(headers)) {
    const problem = headerNameProblem(name);
    if (problem !== undefined) throw new MimeInputError(`header:${name}`, `header name "${name}" ${problem}`);
    const key = name.toLowerCase();
    const value = cleanHeaderText(rawValue);
    if (RESERVED_HEADERS.has(key) || value.trim() === '') continue;
    if (key === 'cc' || key === 'bcc') {
      for (const mailbox of addressparser(value, { flatten: true })) if (mailbox.address !== '') recipients.push(mailbox.address);
    }
    if (key === 'bcc') continue;
    if (ADDRESS_HEADERS.has(key)) {
      const encoded = MimeNode.encodeHeaderValue(name, value);
      if (encoded.trim() !== '') lines.push(checkedConfigHeader(name, mimeFuncs.foldLines(`${name}: ${encoded}`, 76)));
    } else {
      lines.push(checkedConfigHeader(name, unstructuredHeader(name, value)));
    }
  }
  return { lines, recipients };
}

/** CRLF line breaks, whatever the input used (CRLF, lone LF or lone CR). */
function toCrlf(text: string): string {
  if (!text.includes('\r')) return text.includes('\n') ? text.replace(/\n/g, '\r\n') : text;
  return text.replace(/\r\n?|\n/g, '\r\n');
}

/** A text part: its Content-Transfer-Encoding and its encoded body. */
function encodeText(text: string): { encoding: 'quoted-printable' | 'base64'; body: string } {
  const crlf = toCrlf(text);
  if (preferredEncoding(crlf) === 'Q') return { encoding: 'quoted-printable', body: qp.wrap(qp.encode(crlf), 76) };
  return { encoding: 'base64', body: base64.wrap(base64.encode(crlf), 76) };
}

/** `Date` in RFC 5322 form, as nodemailer writes it. */
function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/**
 * Create a writer for one configuration: the From line and the configured headers are
 * encoded once, here.
 *
 * @throws MimeInputError when the from address is not one plain address or a configured
 *   header name is invalid.
 */
export function createMimeWriter(options: MimeWriterOptions): MimeWriter {
  const fromAddress = plainAddress(options.from.address);
  if (fromAddress === undefined) throw new MimeInputError('from', 'the from address is not one plain e-mail address');
  const from = fromHeader(options.from, fromAddress);
  const { lines, recipients } = configuredHeaders(options.headers ?? {});
  const configured = lines.length === 0 ? '' : `${lines.join('\r\n')}\r\n`;
  const domain = domainToASCII(options.messageIdDomain ?? fromAddress.slice(fromAddress.lastIndexOf('@') + 1)) || 'localhost';

  return {
    build(content: MimeMessageContent): MimeMessage {
      const to = plainAddress(content.to);
      if (to === undefined) throw new MimeInputError('to', 'the recipient is not one plain e-mail address');
      const messageId = `<${messageIdLeft(content.courierMessageId)}@${domain}>`;
      const subject = cleanHeaderText(content.subject ?? '');
      let head = `${from}\r\nTo: ${to}\r\n`;
      if (subject.trim() !== '') head += `${unstructuredHeader('Subject', subject)}\r\n`;
      head += `Date: ${rfc5322Date(content.date ?? new Date())}\r\nMessage-ID: ${messageId}\r\n${configured}`;
      // Courier's header comes after the configured ones, which cannot replace it (reserved above).
      head += `${unstructuredHeader(COURIER_MESSAGE_ID_HEADER, cleanHeaderText(content.courierMessageId))}\r\nMIME-Version: 1.0\r\n`;

      const text = encodeText(content.text);
      let message: string;
      if (content.html === undefined || content.html === '') {
        // The body ends with a line break, added only when it has none (nodemailer's LastNewline).
        const end = text.body.endsWith('\n') ? '' : '\r\n';
        message = `${head}Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ${text.encoding}\r\n\r\n${text.body}${end}`;
      } else {
        // "=_" never occurs in quoted-printable or base64 output.
        const boundary = `=_courier_${randomUUID()}`;
        const html = encodeText(content.html);
        message =
          `${head}Content-Type: multipart/alternative;\r\n boundary="${boundary}"\r\n\r\n` +
          `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ${text.encoding}\r\n\r\n${text.body}\r\n` +
          `--${boundary}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: ${html.encoding}\r\n\r\n${html.body}\r\n` +
          `--${boundary}--\r\n`;
      }
      return { raw: Buffer.from(message, 'utf8'), messageId, envelope: { from: fromAddress, to: [to, ...recipients] } };
    },
  };
}

/**
 * Build one message. A shortcut for `createMimeWriter(options).build(content)`; a caller
 * sending many messages with one configuration should keep the writer instead.
 *
 * @throws MimeInputError on an address that is not one plain address or an invalid header name.
 */
export function buildMimeMessage(input: MimeWriterOptions & MimeMessageContent): MimeMessage {
  return createMimeWriter(input).build(input);
}

/** What a courier message id may be to stand as a `Message-ID`'s left part (RFC 5322 dot-atom; UUIDs are). */
const MESSAGE_ID_LEFT = /^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/;

/**
 * The left part of the `Message-ID`: the courier message id, so every attempt of a message
 * (retries, a worker that took over after a crash) carries the same `Message-ID` and a
 * receiving system that collapses duplicates by it does. An id that cannot stand there
 * (not a dot-atom) gets a random one.
 */
function messageIdLeft(courierMessageId: string): string {
  return MESSAGE_ID_LEFT.test(courierMessageId) ? courierMessageId : randomUUID();
}
