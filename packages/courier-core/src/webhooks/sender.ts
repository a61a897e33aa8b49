/**
 * Sends one signed webhook request (Standard Webhooks): a JSON POST with `webhook-id`,
 * `webhook-timestamp` (this attempt's time) and `webhook-signature`, through the same
 * connection pools as every outbound request, so `clients.http.disallow_private_ip_ranges`
 * (and its exception URLs) applies. Redirects are not followed (the spec counts a 3xx
 * as a failure). A 2xx is delivered; 410 Gone, a refused address or a request that
 * cannot be built are permanent; anything else may succeed later (with `Retry-After`).
 */
import { request } from 'undici';
import { DeliveryError } from '../errors.js';
import { guardedAgent, plainAgent } from '../net/guarded-agent.js';
import { DEFAULT_REQUEST_HEADERS, responseHeader, type OutboundHttpOptions } from '../net/http-client.js';
import { outboundOptionsFor } from '../net/ip-exceptions.js';
import { bodySnippet, parseRetryAfter, requestFailure } from '../delivery/http/classify.js';
import { requestDeadline } from '../delivery/deadline.js';
import { signWebhook } from './signature.js';

/** Bytes of an answer read for an error message; the rest is discarded. */
const ANSWER_READ_LIMIT = 1_024;

/** Where and how to send: one configured endpoint. */
export interface WebhookTarget {
  readonly id: string;
  readonly url: string;
  /** The secret's key bytes (`parseWebhookSecret`). */
  readonly key: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/** Options of {@link createWebhookSender}. */
export interface WebhookSenderOptions extends OutboundHttpOptions {
  readonly timeoutMs: number;
}

/** Send one event to one endpoint; resolves with the HTTP status of a 2xx, rejects with a `DeliveryError`. */
export type WebhookSend = (target: WebhookTarget, event: { readonly id: string; readonly body: string }, signal?: AbortSignal) => Promise<number>;

/** Create the sender. */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSend {
  return async (target, event, signal) => {
    const url = new URL(target.url);
    const guarded = outboundOptionsFor(options, url).disallowPrivateIpRanges === true;
    const timestamp = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      ...DEFAULT_REQUEST_HEADERS,
      'user-agent': 'courier-webhooks',
      ...target.headers,
      'content-type': 'application/json',
      'webhook-id': event.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(target.key, event.id, timestamp, event.body),
    };
    const label = `webhook ${target.id}`;
    const deadline = requestDeadline(options.timeoutMs, signal);
    try {
      let res;
      try {
        res = await request(url, { dispatcher: guarded ? guardedAgent() : plainAgent(), method: 'POST', headers, body: event.body, signal: deadline.signal });
      } catch (err) {
        throw requestFailure(err, signal, deadline.timedOut, label);
      }
      const status = res.statusCode;
      if (status >= 200 && status <= 299) {
        res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
        return status;
      }
      const head = await readHead(res.body);
      const message = `${label}: endpoint answered HTTP ${status}${head === '' ? '' : `: ${bodySnippet(head)}`}`;
      if (status === 410) throw new DeliveryError('HTTP_STATUS_PERMANENT', `${message} (gone: not retried)`, { retryable: false });
      const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(responseHeader(res.headers, 'retry-after')) : undefined;
      throw new DeliveryError('HTTP_STATUS_RETRYABLE', message, retryAfterMs === undefined ? { retryable: true } : { retryable: true, retryAfterMs });
    } finally {
      deadline.dispose();
    }
  };
}

async function readHead(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= ANSWER_READ_LIMIT) break;
    }
  } catch {
    // An answer cut off: what arrived is enough for the message.
  }
  body.destroy();
  return Buffer.concat(chunks).subarray(0, ANSWER_READ_LIMIT).toString('utf8');
}
