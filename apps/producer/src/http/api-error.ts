/**
 * The API's error shape, `{ "error": { "code", "message", "details"? } }`, and the
 * one error handler that maps every failure to it: validation -> 400 with field
 * paths, oversized body -> 413, Redis unavailable -> 503, anything else -> 500
 * (logged, with no internals in the response).
 */
import { CourierError, type ApiErrorCode } from '@courier/core';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { z } from 'zod';

/** One failing field. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** An error the API answers with a given status; `code` is one of the API's public codes (core's `API_ERROR_CODES`). */
export class ApiError extends CourierError {
  declare readonly code: ApiErrorCode;

  constructor(
    readonly status: number,
    code: ApiErrorCode,
    message: string,
    readonly details?: readonly FieldError[],
    /** Sent as `Retry-After` (seconds), e.g. with a 429. */
    readonly retryAfterSeconds?: number,
  ) {
    super(code, message);
  }
}

/** Field errors of a zod failure, paths dotted and prefixed (e.g. `query.page_size`). */
function fieldErrors(error: z.ZodError, prefix?: string): FieldError[] {
  const join = (parts: readonly PropertyKey[]): string => {
    const path = parts.map(String).join('.');
    return prefix === undefined ? path || '(body)' : path === '' ? prefix : `${prefix}.${path}`;
  };
  return error.issues.flatMap((issue) =>
    // An unknown field is reported at its own path, so a client sees which one.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: join([...issue.path, key]), message: 'is not a known field' }))
      : [{ path: join(issue.path), message: issue.message }],
  );
}

/** Parse with a zod schema or throw a 400 naming the failing fields. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what: string, prefix?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const details = fieldErrors(result.error, prefix);
    throw new ApiError(400, 'invalid_request', `${what} is invalid: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  }
  return result.data;
}

/** True for errors that mean Redis could not be reached or answered in time. */
function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const text = `${err.name} ${err.message}`;
  return /Connection is closed|aborted due to connection close|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Stream isn't writeable|enableOfflineQueue|MaxRetriesPerRequest|connect ETIMEDOUT|CLUSTERDOWN|LOADING|Reached the max retries/i.test(
    text,
  );
}

/** Install the error handler and the 404 handler on an app. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
  });
  app.setErrorHandler((err: FastifyError | ApiError | Error, req, reply) => {
    if (err instanceof ApiError) {
      if (err.retryAfterSeconds !== undefined) void reply.header('retry-after', String(err.retryAfterSeconds));
      return reply.code(err.status).send({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
    }
    const fe = err as FastifyError;
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send({ error: { code: 'payload_too_large', message: 'request body is larger than the limit' } });
    }
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.code(415).send({ error: { code: 'unsupported_media_type', message: 'send application/json' } });
    }
    if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fe.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
      return reply
        .code(400)
        .send({ error: { code: 'invalid_request', message: 'request body is empty or malformed', details: [{ path: '(body)', message: 'must be a JSON object' }] } });
    }
    if (fe.statusCode === 400 || (err instanceof SyntaxError && fe.statusCode !== undefined)) {
      return reply.code(400).send({ error: { code: 'invalid_request', message: 'request body is not valid JSON', details: [{ path: '(body)', message: 'must be valid JSON' }] } });
    }
    if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.code(fe.statusCode).send({ error: { code: 'invalid_request', message: fe.message } });
    }
    if (isRedisUnavailable(err)) {
      req.log.warn({ error: err.message }, 'redis unavailable');
      return reply
        .code(503)
        .header('retry-after', '1')
        .send({ error: { code: 'unavailable', message: 'message store is unavailable; try again' } });
    }
    req.log.error({ error: err.message, stack: err.stack }, 'unhandled error');
    return reply.code(500).send({ error: { code: 'internal', message: 'internal error' } });
  });
}
