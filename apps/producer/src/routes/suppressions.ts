/**
 * The suppression list's routes (`courier.suppression`): list, read, add by hand and
 * delete entries. Reading needs `read` (the list holds recipients, as message lists do);
 * changing it needs `admin`. They work whether or not the list is enabled, so an operator
 * can still inspect or empty it after turning it off.
 */
import type { FastifyInstance } from 'fastify';
import { InvalidSuppressionPageTokenError, type SuppressionList } from '@courier/store';
import { ApiError, parseOr400 } from '../http/api-error.js';
import { addressParams, addSuppressionBody, clearQuery, suppressionListQuery } from '../http/suppression-schemas.js';
import { nextLink } from './paging.js';

/** What the suppression routes need. */
export interface SuppressionRoutesDeps {
  readonly list: SuppressionList;
}

/** Register the routes. */
export function registerSuppressionRoutes(app: FastifyInstance, deps: SuppressionRoutesDeps): void {
  app.get('/suppressions', { config: { scope: 'read' } }, async (req, reply) => {
    const query = parseOr400(suppressionListQuery, req.query, 'query', 'query');
    let page;
    try {
      page = await deps.list.list({ pageSize: query.page_size, pageToken: query.page_token });
    } catch (err) {
      if (err instanceof InvalidSuppressionPageTokenError) {
        throw new ApiError(400, 'invalid_request', 'query is invalid: query.page_token: is not a token this API issued', [
          { path: 'query.page_token', message: 'is not a token this API issued' },
        ]);
      }
      throw err;
    }
    if (page.nextPageToken !== undefined) void reply.header('link', nextLink('/suppressions', req.query, page.nextPageToken));
    return { suppressions: page.entries, ...(page.nextPageToken === undefined ? {} : { next_page_token: page.nextPageToken }) };
  });

  app.get('/suppressions/:address', { config: { scope: 'read' } }, async (req) => {
    const { address } = parseOr400(addressParams, req.params, 'path', 'path');
    const entry = await deps.list.find(address);
    if (entry === undefined) throw new ApiError(404, 'not_found', 'the address is not on the suppression list');
    return entry;
  });

  app.post('/suppressions', { config: { scope: 'admin' } }, async (req, reply) => {
    const body = parseOr400(addSuppressionBody, req.body, 'request body');
    const { entry } = await deps.list.add({ address: body.address, source: 'api', code: 'manual', detail: body.note ?? '' });
    return reply.code(201).send(entry);
  });

  app.delete('/suppressions/:address', { config: { scope: 'admin' } }, async (req) => {
    const { address } = parseOr400(addressParams, req.params, 'path', 'path');
    if (!(await deps.list.remove(address))) throw new ApiError(404, 'not_found', 'the address is not on the suppression list');
    return { deleted: 1 };
  });

  app.delete('/suppressions', { config: { scope: 'admin' } }, async (req) => {
    parseOr400(clearQuery, req.query, 'query', 'query');
    return { deleted: await deps.list.clear() };
  });
}
