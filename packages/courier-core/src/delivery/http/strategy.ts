/**
 * The HTTP delivery strategy: Kratos's `courier.http.request_config` (and each SMS
 * `courier.channels[].request_config`). The request body is a Jsonnet template
 * rendered with the message's `ctx`; the answer is classified into success (2xx),
 * retryable or permanent failure.
 *
 * One concern per module: the request built from config (`request.ts`), the body
 * (`body.ts`, with the Jsonnet `ctx` of `context.ts`), what answers and failures
 * mean (`classify.ts`); this module sends. Requests go through Courier's one
 * outbound HTTP client (`net/http-client.ts`).
 */
import { DeliveryError } from '../../errors.js';
import { resolveAllowedAddresses, findDisallowedAddressError } from '../../net/address-guard.js';
import { outboundRequest, type HttpResponse, type OutboundHttpOptions } from '../../net/http-client.js';
import { outboundOptionsFor } from '../../net/ip-exceptions.js';
import { redactSecrets } from '../../redaction/secrets.js';
import type { RequestConfig } from '../../config/schema.js';
import { requestDeadline } from '../deadline.js';
import { messageSecrets } from '../message-secrets.js';
import type { DeliveryContext, DeliveryResult, DeliveryStrategy, OutboundMessage } from '../strategy.js';
import { createBodyRenderer } from './body.js';
import { handOverBody } from './hand-over-body.js';
import { addressRefused, bodySnippet, classifyHttpResponse, providerIdOf, requestFailure } from './classify.js';
import { headersFor, prepareRequest } from './request.js';

/** The hand-over check's own error when it is what failed a request (undici wraps or passes a body's throw). */
function checkRefusal(err: unknown): DeliveryError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
    if (current instanceof DeliveryError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Options of {@link createHttpStrategy}. */
export interface HttpStrategyOptions extends OutboundHttpOptions {
  /** The parsed `request_config`. */
  readonly requestConfig: RequestConfig;
  /** Strategy name (default `http`), e.g. `http:sms` for a channel. */
  readonly name?: string;
}

/** Response bytes read for error snippets and provider ids; the rest is discarded. */
const RESPONSE_READ_LIMIT = 4_096;

/**
 * Create the HTTP strategy for one `request_config`.
 *
 * `send` renders the body (batched with concurrent sends, see `jsonnet/batch/`),
 * then sends one request with `timeout_ms` and the caller's abort signal. `verify`
 * loads and compile-checks the body template without contacting the provider.
 * `close` ends the renderer's Jsonnet session; the connection pool is shared and
 * idles out on its own.
 */
export function createHttpStrategy(options: HttpStrategyOptions): DeliveryStrategy {
  const config = options.requestConfig;
  const name = options.name ?? 'http';
  const request = prepareRequest(config);
  const outbound = outboundOptionsFor(options, request.url);
  const guarded = outbound.disallowPrivateIpRanges === true;
  const doRequest = outboundRequest(outbound);
  const body = createBodyRenderer(config, request.isForm, options);
  // Courier extension: by default a request whose outcome is unknown is retried only when the
  // provider can collapse the repeat (the channel sends an idempotency header).
  const retryOnUnknown = config.retry_on_unknown ?? config.idempotency_header !== '';

  return {
    name,

    async send(message: OutboundMessage, ctx?: DeliveryContext): Promise<DeliveryResult> {
      const payload = request.sendsBody ? await body.render(message) : undefined;
      let headers = headersFor(request, message.id);
      const check = ctx?.handOver ?? (() => undefined);
      // A body marks the hand-over (its first byte) and when the request was written in full.
      const handOver = payload === undefined ? undefined : handOverBody(payload, check);
      if (handOver === undefined) check();
      else headers = { ...headers, 'content-length': String(handOver.length) };

      const deadline = requestDeadline(config.timeout_ms, ctx?.signal);
      let res: HttpResponse;
      let head: string;
      try {
        try {
          res = await doRequest(request.url, {
            method: request.method,
            headers,
            body: handOver,
            signal: deadline.signal,
            credentialHeaders: request.credentialHeaders,
          });
        } catch (err) {
          const refusal = checkRefusal(err);
          if (refusal !== undefined) throw refusal;
          const failure = requestFailure(err, ctx?.signal, deadline.timedOut, request.label);
          if (handOver?.written === true) {
            // Written in full, then no response: the provider may have accepted it.
            throw new DeliveryError('HTTP_OUTCOME_UNKNOWN', `${request.label}: no response after the request was written (${failure.code}: ${failure.message})`, {
              retryable: retryOnUnknown,
              outcomeUnknown: true,
              cause: failure,
            });
          }
          throw failure;
        }
        // Always consumes the body (reading at most the limit), so the connection goes back to the pool.
        head = await res.text(RESPONSE_READ_LIMIT).catch(() => '');
      } finally {
        deadline.dispose();
      }
      if (res.status >= 200 && res.status <= 299) {
        const providerMessageId = providerIdOf(head, res.headers);
        return { response: `HTTP ${res.status}`, providerMessageId };
      }
      // A provider may echo the request back: besides configured credentials, the
      // message's own template data (one-time codes, links) must not reach the
      // stored dispatch, the logs or the dashboard.
      const allSecrets = [...request.secrets, ...messageSecrets(message)];
      const classified = classifyHttpResponse(res.status, res.headers, bodySnippet(redactSecrets(head, allSecrets)));
      throw new DeliveryError(
        classified.code,
        `${request.label}: ${redactSecrets(classified.message, allSecrets)}`,
        classified.retryAfterMs === undefined ? { retryable: classified.retryable } : { retryable: classified.retryable, retryAfterMs: classified.retryAfterMs },
      );
    },

    async verify(): Promise<void> {
      if (guarded) {
        // The connect-time check is what protects; this one only reports a refused host at start-up
        // (a name that does not resolve yet is left to the sends).
        const refused = await resolveAllowedAddresses(request.url.hostname).then(() => undefined, findDisallowedAddressError);
        if (refused !== undefined) throw addressRefused(request.label, refused);
      }
      await body.check();
    },

    async close(): Promise<void> {
      await body.close();
    },
  };
}
