/**
 * The Kratos bridge: Kratos's admin message API shapes, and an ingest endpoint
 * for Kratos's HTTP delivery strategy (point `courier.http.request_config.url` at
 * `/kratos/messages`), so a Kratos deployment gains retries and tracking.
 */
import type { FastifyInstance } from 'fastify';
import {
  emailAddressSchema,
  newMessageId,
  templateTypeSchema,
  jobPayloadSchema,
  type JobPayload,
  type MessageStatus,
  type TemplateData,
} from '@courier/core';
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

const TEMPLATE_DATA_FIELDS = ['to', 'recovery_code', 'recovery_url', 'verification_url', 'verification_code', 'login_code', 'registration_code'] as const;

/** Register the routes. */
export function registerKratosRoutes(app: FastifyInstance, deps: KratosRoutesDeps): void {
  app.post('/kratos/messages', { config: { scope: 'send' } }, async (req, reply) => {
    const body = parseOr400(kratosPayload, req.body, 'request body');
    const isEmail = emailAddressSchema.safeParse(body.recipient).success;
    const type = isEmail ? 'email' : 'sms';
    if (!deps.enqueue.channels.has(type === 'email' ? 'email' : 'sms')) {
      throw new ApiError(400, 'invalid_request', 'request body is invalid: recipient: is not an e-mail address and no "sms" channel is configured', [
        { path: 'recipient', message: 'is not an e-mail address and no "sms" channel is configured' },
      ]);
    }
    const templateType = templateTypeSchema.safeParse(body.template_type);
    const data: Record<string, string> = {};
    for (const field of TEMPLATE_DATA_FIELDS) {
      const value = body[field];
      if (typeof value === 'string' && value !== '') data[field] = value;
    }
    // Kratos rendered the message already: it goes out as rendered, and the
    // template type and data are kept for tracking.
    const hasBody = typeof body.body === 'string' && body.body !== '';
    if (!hasBody && !templateType.success) {
      throw new ApiError(400, 'invalid_request', 'request body is invalid: body: is required unless template_type is a known Kratos template type', [
        { path: 'body', message: 'is required unless template_type is a known Kratos template type' },
      ]);
    }
    const candidate: Record<string, unknown> = {
      v: 1,
      id: newMessageId(),
      type,
      channel: type,
      recipient: body.recipient,
      created_at: new Date().toISOString(),
    };
    if (templateType.success) {
      candidate['template_type'] = templateType.data;
      candidate['template_data'] = data as TemplateData;
    }
    if (hasBody) {
      candidate['body'] = body.body;
      if (type === 'email') candidate['subject'] = body.subject ?? '';
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
    const statuses: (MessageStatus | undefined)[] =
      query.status === 'queued' ? ['queued', 'error'] : query.status === 'abandoned' ? ['abandoned', 'cancelled'] : [query.status];
    // No stored recipient is longer than an address may be.
    if (query.recipient !== undefined && query.recipient.length > 320) statuses.length = 0;
    let page;
    try {
      const pages = await Promise.all(
        statuses.map((status) =>
          deps.store.list({ status, recipient: query.recipient, pageSize: query.pageSize, pageToken: query.pageToken }),
        ),
      );
      const merged = pages.flatMap((p) => p.messages).sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, query.pageSize);
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
    const contents: (KratosContent | undefined)[] = deps.exposeContent
      ? (await deps.store.getMany(page.messages.map((m) => m.id))).map((m) => ({ subject: m?.subject, body: m?.body }))
      : [];
    // Like Kratos's list, without dispatches.
    return page.messages.map((m, i) => presentKratosMessage(m, contents[i], false));
  });

  app.get('/admin/courier/messages/:id', { config: { scope: 'read' } }, async (req, reply) => {
    const parsed = parseKratosId((req.params as { id: string }).id);
    if ('error' in parsed) return sendHerodotError(req, reply, 400, parsed.error);
    const message = await deps.store.get(parsed.id);
    if (message === undefined) return sendHerodotError(req, reply, 404, HERODOT_NOT_FOUND_MESSAGE);
    return presentKratosMessage(message, deps.exposeContent ? message : undefined, true);
  });
}
