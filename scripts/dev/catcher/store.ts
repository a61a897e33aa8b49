/**
 * What the dev catcher caught, in memory and bounded: at most `maxMessages`
 * messages and `maxTotalBytes` of stored content (the oldest go first); each
 * message's content was already cut to `maxMessageBytes` by whoever caught it
 * (see {@link readLimited}). Listeners hear of each new message (the viewer's
 * live update).
 */
import type { Readable } from 'node:stream';

/** A header as received: name as written, value unfolded. */
export interface CaughtHeader {
  readonly name: string;
  readonly value: string;
}

/** An HTTP request as received (SMS and HTTP-delivered e-mail); `authorization` and the like are redacted. */
export interface CaughtRequest {
  readonly method: string;
  /** Path and query, as on the request line. */
  readonly path: string;
  readonly headers: readonly CaughtHeader[];
  /** The body decoded as UTF-8, as sent (cut at the size limit). */
  readonly body: string;
}

/** Set when a message was larger than the catcher keeps. */
export interface Truncation {
  readonly receivedBytes: number;
  readonly keptBytes: number;
  /** What was done, in words, for the viewer. */
  readonly note: string;
}

/** What a catcher front end (SMTP, HTTP) hands to the store. */
export interface CaughtInput {
  readonly kind: 'email' | 'sms' | 'http';
  readonly to: string;
  readonly from?: string | undefined;
  readonly subject?: string | undefined;
  /** E-mail: the plain-text part; SMS: the body; HTTP: the body. */
  readonly text: string;
  /** E-mail only: the HTML part. */
  readonly html?: string | undefined;
  /** E-mail only: the `Message-ID` header. */
  readonly messageId?: string | undefined;
  readonly headers?: readonly CaughtHeader[] | undefined;
  /** E-mail: the raw RFC 5322 source; SMS and HTTP: the request line, headers and body. */
  readonly raw: string;
  readonly request?: CaughtRequest | undefined;
  readonly attachments?: readonly { filename: string; contentType: string; size: number }[] | undefined;
  readonly truncated?: Truncation | undefined;
}

/** One caught message. */
export interface Caught extends CaughtInput {
  /** Short, increasing, unique within this catcher run. */
  readonly id: string;
  /** ISO 8601 time of arrival. */
  readonly at: string;
  /** Stored size in bytes (text + html + raw + request body), what the total bound counts. */
  readonly size: number;
}

/** What the message list shows of each message (the JSON list and the viewer's list). */
export interface CaughtSummary {
  readonly id: string;
  readonly kind: Caught['kind'];
  readonly at: string;
  readonly to: string;
  readonly from?: string | undefined;
  readonly subject?: string | undefined;
  /** The first 160 characters of the text, whitespace collapsed. */
  readonly preview: string;
  readonly hasHtml: boolean;
  readonly size: number;
  readonly truncated: boolean;
}

/** The store's bounds. */
export interface StoreLimits {
  /** Messages kept; the oldest is dropped past this. Default 500. */
  readonly maxMessages: number;
  /** Content kept per message (the raw source and each of its parts). Default 1 MiB. */
  readonly maxMessageBytes: number;
  /** Content kept over all messages; the oldest are dropped past this. Default 64 MiB. */
  readonly maxTotalBytes: number;
}

export const DEFAULT_LIMITS: StoreLimits = { maxMessages: 500, maxMessageBytes: 1024 * 1024, maxTotalBytes: 64 * 1024 * 1024 };

/** The bounded message store. */
export interface CaughtStore {
  readonly limits: StoreLimits;
  add(input: CaughtInput): Caught;
  /** Newest first. */
  list(): readonly Caught[];
  get(id: string): Caught | undefined;
  clear(): void;
  /** Call `listener` for each message added from now on; returns the unsubscribe function. */
  subscribe(listener: (c: Caught) => void): () => void;
}

const utf8Bytes = (s: string | undefined): number => (s === undefined ? 0 : Buffer.byteLength(s, 'utf8'));

/** Create an empty store. */
export function createStore(limits: StoreLimits = DEFAULT_LIMITS): CaughtStore {
  const messages: Caught[] = []; // oldest first
  let totalBytes = 0;
  let next = 1;
  const listeners = new Set<(c: Caught) => void>();
  return {
    limits,
    add(input) {
      const size = utf8Bytes(input.text) + utf8Bytes(input.html) + utf8Bytes(input.raw) + utf8Bytes(input.request?.body);
      const caught: Caught = { ...input, id: String(next++), at: new Date().toISOString(), size };
      messages.push(caught);
      totalBytes += size;
      while (messages.length > 1 && (messages.length > limits.maxMessages || totalBytes > limits.maxTotalBytes)) {
        totalBytes -= messages.shift()!.size;
      }
      for (const listener of listeners) listener(caught);
      return caught;
    },
    list: () => [...messages].reverse(),
    get: (id) => messages.find((m) => m.id === id),
    clear() {
      messages.length = 0;
      totalBytes = 0;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The list view of a message. */
export function summarize(c: Caught): CaughtSummary {
  return {
    id: c.id,
    kind: c.kind,
    at: c.at,
    to: c.to,
    from: c.from,
    subject: c.subject,
    preview: c.text.replace(/\s+/g, ' ').trim().slice(0, 160),
    hasHtml: c.html !== undefined && c.html !== '',
    size: c.size,
    truncated: c.truncated !== undefined,
  };
}

/** A stream read up to a byte limit: what was kept, and how much arrived in all (the rest is read and dropped). */
export interface LimitedRead {
  readonly data: Buffer;
  readonly receivedBytes: number;
}

/**
 * Read a whole stream, keeping at most `limit` bytes: the rest is consumed (so
 * the sender gets its answer) but not kept, and never held in memory.
 */
export async function readLimited(stream: Readable, limit: number): Promise<LimitedRead> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let receivedBytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    receivedBytes += buf.length;
    if (kept < limit) {
      const part = buf.subarray(0, limit - kept);
      chunks.push(part);
      kept += part.length;
    }
  }
  return { data: Buffer.concat(chunks, kept), receivedBytes };
}

/** The truncation note for a read that did not fit, or `undefined`. */
export function truncationOf(read: LimitedRead, what: string): Truncation | undefined {
  if (read.receivedBytes <= read.data.length) return undefined;
  return {
    receivedBytes: read.receivedBytes,
    keptBytes: read.data.length,
    note: `This ${what} was ${read.receivedBytes} bytes; the catcher keeps ${read.data.length} (its limit), so the rest was dropped and what is shown is incomplete.`,
  };
}
