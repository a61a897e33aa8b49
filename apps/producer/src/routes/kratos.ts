/**
 * The Kratos bridge: Kratos's admin message API shapes, and an ingest endpoint
 * for Kratos's HTTP delivery strategy (point `courier.http.request_config.url` at
 * `/kratos/messages`), so a Kratos deployment gains retries and tracking.
 */
import type { FastifyInstance } from 'fastify';
import { maySeeSecrets } from '../auth/scopes.js';
import { emailAddressSchema, expiresAtFor, newMessageId, templateTypeSchema, jobPayloadSchema, type JobPayload, type MessageStatus, type TemplateData } from '@courier/core';
import { encodePageToken, InvalidPageTokenError, type MessageStore } from '@courier/store';
import { ApiError, parseOr400 } from '../http/api-error.js';
import { kratosPayload } from '../http/schemas.js';
import { HERODOT_NOT_FOUND_MESSAGE, sendHerodotError } from '../http/kratos-error.js';
import { parseKratosId, parseKratosListQuery } from '../http/kratos-params.js';
import { presentKratosMessage, type KratosContent } from '../present/kratos.js';
import type { EnqueueService } from '../enqueue/service.js';
import { kratosLinkHeader } from './paging.js';

/** What the Kratos routes need. */
export interface KratosRoutesDeps {
  readonly store: MessageStore;
  readonly enqueue: EnqueueService;
  /** Kratos's dev mode: show subject and body instead of `<redacted-unless-dev-mode>`. */
  readonly exposeContent: boolean;
}

/** What the message itself is made of; every other posted field is template data. */
const ENVELOPE_FIELDS = new Set(['recipient', 'template_type', 'subject', 'body', 'html_body', 'message_type', 'template_data']);

/** Register the routes. */
export function registerKratosRoutes(app: FastifyInstance, deps: KratosRoutesDeps): void {
  app.post('/kratos/messages', { config: { scope: 'send' } }, async (req, reply) => {
    const body = parseOr400(kratosPayload, req.body, 'request body');
    const isEmail = emailAddressSchema.safeParse(body.recipient).success;
    // Kratos's model says which; the default body template does not post it.
    const declared = body.message_type === 'email' || body.message_type === 'sms' ? body.message_type : undefined;
    const type = declared ?? (isEmail ? 'email' : 'sms');
    if (type === 'email' && !isEmail) {
      throw new ApiError(400, 'invalid_request', 'request body is invalid: recipient: is not an e-mail address (message_type is "email")', [
        { path: 'recipient', message: 'is not an e-mail address (message_type is "email")' },
      ]);
    }
    if (!deps.enqueue.channels.has(type)) {
      const why = declared === undefined ? 'is not an e-mail address and no "sms" channel is configured' : `no "${type}" channel is configured`;
      throw new ApiError(400, 'invalid_request', `request body is invalid: recipient: ${why}`, [{ path: 'recipient', message: why }]);
    }
    const templateType = templateTypeSchema.safeParse(body.template_type);
    // Everything but the envelope goes to the template data: the default template's
    // top-level fields (nulls and empty strings carry nothing), a custom template's
    // own fields, `request_headers`, and Kratos's template model as posted, which
    // wins over top-level copies of its fields. Built with fromEntries so that a
    // `__proto__` key stays an ordinary own field.
    const topLevel = Object.entries(body).filter(([k, v]) => !ENVELOPE_FIELDS.has(k) && v !== null && v !== undefined && v !== '');
    const model = body.template_data === null || body.template_data === undefined ? [] : Object.entries(body.template_data);
    const modelKeys = new Set(model.map(([k]) => k));
    const data = Object.fromEntries([...topLevel.filter(([k]) => !modelKeys.has(k)), ...model]) as TemplateData;
    // Kratos rendered the message already: it goes out as rendered (subject, text,
    // HTML), and the template type and data are kept for tracking.
    const hasBody = typeof body.body === 'string' && body.body !== '';
    if (!hasBody && !templateType.success) {
      throw new ApiError(400, 'invalid_request', 'request body is invalid: body: is required unless template_type is a known Kratos template type', [
        { path: 'body', message: 'is required unless template_type is a known Kratos template type' },
      ]);
    }
    const now = new Date();
    const candidate: Record<string, unknown> = {
      v: 1,
      id: newMessageId(),
      type,
      channel: type,
      recipient: body.recipient,
      created_at: now.toISOString(),
    };
    if (templateType.success) {
      candidate['template_type'] = templateType.data;
      // A code or link expires with its template data's `expires_in_minutes`, as in Kratos's own text.
      const expiresAt = expiresAtFor({ template_type: templateType.data, template_data: data }, now);
      if (expiresAt !== undefined) candidate['expires_at'] = expiresAt;
    }
    if (templateType.success || Object.keys(data).length > 0) candidate['template_data'] = data;
    if (hasBody) {
      candidate['body'] = body.body;
      if (type === 'email') {
        candidate['subject'] = body.subject ?? '';
        if (typeof body.html_body === 'string' && body.html_body !== '') candidate['html_body'] = body.html_body;
      }
    }
    const payload: JobPayload = parseOr400(jobPayloadSchema, candidate, 'request body');
    await deps.enqueue.enqueuePayloads([payload], req.principal?.keyId);
    return reply.code(202).header('location', `/messages/${payload.id}`).send({ id: payload.id, status: 'queued' });
  });

  app.get('/admin/courier/messages', { config: { scope: 'read' } }, async (req, reply) => {
    const query = parseKratosListQuery(req.query as Record<string, string | string[] | undefined>);
    if (!query.ok) return sendHerodotError(req, reply, 400, query.message, query.reason);
    // Kratos's `queued` covers our `error` (failed, waiting for a retry); its
    // `abandoned` covers our `cancelled`. Other statuses map one to one.
    const statuses: (MessageStatus | undefined)[] = query.status === 'queued' ? ['queued', 'error'] : query.status === 'abandoned' ? ['abandoned', 'cancelled'] : [query.status];
    // No stored recipient is longer than an address may be.
    if (query.recipient !== undefined && query.recipient.length > 320) statuses.length = 0;
    let page;
    try {
      const pages = await Promise.all(statuses.map((status) => deps.store.list({ status, recipient: query.recipient, pageSize: query.pageSize, pageToken: query.pageToken })));
      const merged = pages
        .flatMap((p) => p.messages)
        .sort((a, b) => (a.id < b.id ? 1 : -1))
        .slice(0, query.pageSize);
      const more = pages.some((p) => p.nextPageToken !== undefined) || pages.reduce((n, p) => n + p.messages.length, 0) > merged.length;
      const last = merged[merged.length - 1];
      page = { messages: merged, next: more && last !== undefined ? encodePageToken(last.id) : undefined };
    } catch (err) {
      // ory/x keysetpagination's ErrInvalidPaginationToken.
      if (err instanceof InvalidPageTokenError) return sendHerodotError(req, reply, 400, 'invalid pagination token');
      throw err;
    }
    void reply.header('link', kratosLinkHeader('/admin/courier/messages', req.url, query.pageSize, page.next));
    // Summaries carry no content; only dev mode reads it, for this page's messages.
    // Dev mode shows content to keys that may see secrets only (codes are in subjects and bodies).
    const contents: (KratosContent | undefined)[] =
      deps.exposeContent && maySeeSecrets(req.principal) ? (await deps.store.getMany(page.messages.map((m) => m.id))).map((m) => ({ subject: m?.subject, body: m?.body })) : [];
    // Like Kratos's list, without dispatches.
    return page.messages.map((m, i) => presentKratosMessage(m, contents[i], false));
  });

  app.get('/admin/courier/messages/:id', { config: { scope: 'read' } }, async (req, reply) => {
    const parsed = parseKratosId((req.params as { id: string }).id);
    if ('error' in parsed) return sendHerodotError(req, reply, 400, parsed.error);
    const message = await deps.store.get(parsed.id);
    if (message === undefined) return sendHerodotError(req, reply, 404, HERODOT_NOT_FOUND_MESSAGE);
    return presentKratosMessage(message, deps.exposeContent && maySeeSecrets(req.principal) ? message : undefined, true);
  });
}
