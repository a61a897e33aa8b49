/**
 * Kratos's error shape (ory/herodot's `DefaultError` in an `ErrorContainer`), for
 * the routes that mirror Kratos's admin API: `{"error":{"code":400,"status":"Bad
 * Request","reason"?,"message"}}`. herodot writes `request` when the request
 * carries `X-Request-ID`; so does this.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

/** herodot's `ErrBadRequest().ErrorField`. */
export const HERODOT_BAD_REQUEST_MESSAGE = 'The request was malformed or contained invalid parameters';
/** ory/x sqlcon's `ErrNoRows()`: what Kratos answers for an unknown message. */
export const HERODOT_NOT_FOUND_MESSAGE = 'Unable to locate the resource';

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found' };

/** A herodot error body. */
export function herodotBody(code: 400 | 404, message: string, reason: string | undefined, requestId: string | undefined): Record<string, unknown> {
  return {
    error: {
      code,
      status: STATUS_TEXT[code],
      ...(requestId === undefined || requestId === '' ? {} : { request: requestId }),
      ...(reason === undefined ? {} : { reason }),
      message,
    },
  };
}

/** Send a herodot error (the caller returns the reply). */
export function sendHerodotError(req: FastifyRequest, reply: FastifyReply, code: 400 | 404, message: string, reason?: string): FastifyReply {
  const rid = req.headers['x-request-id'];
  return reply.code(code).send(herodotBody(code, message, reason, typeof rid === 'string' ? rid : undefined));
}
