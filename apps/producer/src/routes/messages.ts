/**
 * Courier's own message API: enqueue (single, batch), list, get, retry, cancel.
 * Each route names the key scope it needs (auth/scopes.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidPageTokenError, type MessageStore } from '@courier/store';
import { ApiError, parseOr400 } from '../http/api-error.js';
import { batchBody, idParams, listQuery, sendMessageBody } from '../http/schemas.js';
import type { Redactor } from '@courier/core';
import { maySeeSecrets } from '../auth/scopes.js';
import { presentMessage } from '../present/message.js';
import { presentSummary } from '../present/summary.js';
import type { EnqueueService } from '../enqueue/service.js';
import { fingerprint, parseIdempotencyKey, type Idempotency } from '../enqueue/idempotency.js';
import { nextLink } from './paging.js';

/** What the message routes need. */
export interface MessageRoutesDeps {
  readonly store: MessageStore;
  readonly enqueue: EnqueueService;
  readonly idempotency: Idempotency;
  /** Redacts secret content in single reads for keys without the `admin` scope. */
  readonly redactor: Redactor;
}

async function withIdempotency<T>(deps: MessageRoutesDeps, req: FastifyRequest, reply: FastifyReply, route: string, body: unknown, work: () => Promise<T>): Promise<T> {
  const key = parseIdempotencyKey(req.headers['idempotency-key']);
  if (key === undefined) return work();
  const { result, replayed } = await deps.idempotency.run(req.principal?.keyId ?? 'anonymous', key, fingerprint(route, body), work);
  if (replayed) void reply.header('idempotent-replayed', 'true');
  return result;
}

/** Register the routes. */
export function registerMessageRoutes(app: FastifyInstance, deps: MessageRoutesDeps): void {
  app.post('/messages', { config: { scope: 'send' } }, async (req, reply) => {
    const body = parseOr400(sendMessageBody, req.body, 'request body');
    const [created] = await withIdempotency(deps, req, reply, 'POST /messages', req.body, () => deps.enqueue.enqueue([body], undefined, req.principal?.keyId));
    if (created === undefined) throw new Error('enqueue returned nothing');
    return reply.code(202).header('location', `/messages/${created.id}`).send({ id: created.id, status: 'queued' });
  });

  app.post('/messages/batch', { config: { scope: 'send' } }, async (req, reply) => {
    const body = parseOr400(batchBody, req.body, 'request body');
    const created = await withIdempotency(deps, req, reply, 'POST /messages/batch', req.body, () =>
      deps.enqueue.enqueue(body.messages, (i) => `messages.${i}.`, req.principal?.keyId),
    );
    return reply.code(202).send({ messages: created.map((c) => ({ id: c.id, status: 'queued' as const })) });
  });

  app.get('/messages', { config: { scope: 'read' } }, async (req, reply) => {
    const query = parseOr400(listQuery, req.query, 'query', 'query');
    let page;
    try {
      page = await deps.store.list({
        status: query.status,
        recipient: query.recipient,
        templateType: query.template_type,
        pageSize: query.page_size,
        pageToken: query.page_token,
      });
    } catch (err) {
      if (err instanceof InvalidPageTokenError) {
        throw new ApiError(400, 'invalid_request', 'query is invalid: query.page_token: is not a token this API issued', [
          { path: 'query.page_token', message: 'is not a token this API issued' },
        ]);
      }
      throw err;
    }
    if (page.nextPageToken !== undefined) void reply.header('link', nextLink('/messages', req.query, page.nextPageToken));
    return {
      messages: page.messages.map(presentSummary),
      ...(page.nextPageToken === undefined ? {} : { next_page_token: page.nextPageToken }),
    };
  });

  app.get('/messages/:id', { config: { scope: 'read' } }, async (req) => {
    const { id } = parseOr400(idParams, req.params, 'path', 'path');
    const message = await deps.store.get(id);
    if (message === undefined) throw new ApiError(404, 'not_found', `no message ${id}`);
    return presentMessage(message, deps.redactor, maySeeSecrets(req.principal));
  });

  app.post('/messages/:id/retry', { config: { scope: 'admin' } }, async (req, reply) => {
    const { id } = parseOr400(idParams, req.params, 'path', 'path');
    const answer = await deps.enqueue.retry(id);
    if (answer === 'missing') throw new ApiError(404, 'not_found', `no message ${id}`);
    if (answer !== 'ok') throw new ApiError(409, 'not_retryable', `message is ${answer}; only abandoned messages can be retried`);
    return reply.code(202).send({ id, status: 'queued' });
  });

  app.delete('/messages/:id', { config: { scope: 'admin' } }, async (req) => {
    const { id } = parseOr400(idParams, req.params, 'path', 'path');
    const answer = await deps.enqueue.cancel(id);
    if (answer === 'missing') throw new ApiError(404, 'not_found', `no message ${id}`);
    if (answer !== 'ok') throw new ApiError(409, 'not_cancellable', `message is ${answer}; only queued messages (or ones waiting for a retry) can be cancelled`);
    return { id, status: 'cancelled' };
  });
}
