/**
 * The request body of an HTTP delivery: the `request_config.body` Jsonnet template
 * (or Kratos's default), loaded through the one template-source cache
 * (`uri/cached-source.ts`), rendered with the message's `ctx` (`context.ts`) by a
 * batching renderer (`jsonnet/batch/`), then sent as JSON or form-encoded.
 */
import type { RequestConfig } from '../../config/schema.js';
import { DeliveryError } from '../../errors.js';
import { createJsonnetBatchRenderer } from '../../jsonnet/batch/renderer.js';
import type { OutboundHttpOptions } from '../../net/http-client.js';
import { createCachedSource } from '../../uri/cached-source.js';
import { filePathOf } from '../../uri/load-uri.js';
import type { OutboundMessage } from '../strategy.js';
import { templateFailure } from './classify.js';
import { buildJsonnetContext } from './context.js';

/**
 * The body template used when `request_config.body` is not set: the default of
 * `courier.http.request_config.body` in Kratos's config schema (ory/kratos
 * embedx/config.schema.json, a `base64://` URI), decoded.
 */
const KRATOS_DEFAULT_BODY_TEMPLATE = `function(ctx) {
  recipient: ctx.Recipient,
  template_type: ctx.TemplateType,
  to: if "TemplateData" in ctx && "To" in ctx.TemplateData then ctx.TemplateData.To else null,
  recovery_code: if "TemplateData" in ctx && "RecoveryCode" in ctx.TemplateData then ctx.TemplateData.RecoveryCode else null,
  recovery_url: if "TemplateData" in ctx && "RecoveryURL" in ctx.TemplateData then ctx.TemplateData.RecoveryURL else null,
  verification_url: if "TemplateData" in ctx && "VerificationURL" in ctx.TemplateData then ctx.TemplateData.VerificationURL else null,
  verification_code: if "TemplateData" in ctx && "VerificationCode" in ctx.TemplateData then ctx.TemplateData.VerificationCode else null,
  subject: ctx.Subject,
  body: ctx.Body
}
`;

/** Renders the request bodies of one `request_config`. */
export interface BodyRenderer {
  /**
   * The body for one message, as sent.
   *
   * @throws DeliveryError for a template that cannot be loaded (retryable), does not
   *   compile or fails for this message (permanent), or a form body that is not an object.
   */
  render(message: OutboundMessage): Promise<string>;
  /** Load and compile-check the template. @throws TemplateError */
  check(): Promise<void>;
  /** End the renderer's Jsonnet session. */
  close(): Promise<void>;
}

/** The body renderer of one `request_config`; `isForm` form-encodes the template's object. */
export function createBodyRenderer(config: RequestConfig, isForm: boolean, outbound: OutboundHttpOptions): BodyRenderer {
  const renderer = createJsonnetBatchRenderer({
    source: config.body === undefined ? async () => ({ text: KRATOS_DEFAULT_BODY_TEMPLATE, version: 'default' }) : createCachedSource(config.body, outbound),
    filename: config.body === undefined ? 'default-body.jsonnet' : templateLabel(config.body),
  });
  return {
    async render(message) {
      let rendered: unknown;
      try {
        rendered = await renderer.render(buildJsonnetContext(message));
      } catch (err) {
        throw templateFailure(err);
      }
      return isForm ? encodeFormBody(rendered) : JSON.stringify(rendered);
    },
    check: () => renderer.check(),
    close: () => renderer.close(),
  };
}

/**
 * Form-encode a rendered body. Kratos decodes the Jsonnet result into a Go
 * `map[string]string` and encodes it with `url.Values.Encode` (keys sorted, Go's
 * query escaping, `null` becoming an empty value); Courier does the same, and is
 * more lenient where Kratos would fail: numbers and booleans become their JSON text,
 * nested objects and arrays their JSON.
 *
 * @throws DeliveryError `HTTP_BODY_INVALID` (permanent) when the result is not an object.
 */
export function encodeFormBody(rendered: unknown): string {
  if (rendered === null || typeof rendered !== 'object' || Array.isArray(rendered)) {
    throw new DeliveryError('HTTP_BODY_INVALID', 'a form-encoded body template must produce an object of fields', { retryable: false });
  }
  return Object.keys(rendered)
    .sort()
    .map((key) => {
      const value = (rendered as Record<string, unknown>)[key];
      const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
      return `${goQueryEscape(key)}=${goQueryEscape(text)}`;
    })
    .join('&');
}

/** Go's `url.QueryEscape`: everything but `A-Za-z0-9-_.~` percent-encoded (upper-case hex), space as `+`. */
function goQueryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** A secret-free name for a template URI, used in error positions. */
function templateLabel(uri: string): string {
  if (uri.startsWith('file://')) return filePathOf(uri);
  if (uri.startsWith('base64://')) return 'body.jsonnet (base64)';
  try {
    const u = new URL(uri);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'body.jsonnet';
  }
}
