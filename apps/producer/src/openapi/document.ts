/**
 * The OpenAPI 3.1 document served at `/openapi.json`. Its schemas are generated
 * from the same zod schemas that parse requests and shape responses; a test
 * validates real responses against it.
 */
import { z } from 'zod';
import {
  apiMessage,
  apiMessageSummary,
  batchBody,
  batchResponse,
  enqueuedResponse,
  errorResponse,
  kratosErrorResponse,
  kratosMessage,
  kratosPayload,
  listResponse,
  sendMessageBody,
  statusResponse,
} from '../http/schemas.js';
import { addSuppressionBody, apiSuppression, clearedResponse, suppressionListResponse } from '../http/suppression-schemas.js';

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline' }) as Record<string, unknown>;
  delete json['$schema'];
  return json;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ content: { 'application/json': { schema: ref(name) } } });
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), { description: ERROR_TEXT[c] ?? 'error', ...json('Error') }]));

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input; `details` names each failing field',
  401: 'Missing or invalid API key',
  403: 'The API key lacks the scope this route needs (`send`, `read` or `admin`)',
  404: 'No such message (or, for /suppressions/{address}, the address is not on the list)',
  409: 'Conflict (idempotency key reused with another body, or a status that does not allow the operation)',
  413: 'Request body too large',
  415: 'Request body is not application/json',
  429: 'A recipient limit (`producer.rate_limits.recipients`) is reached: code `rate_limited`, `details` names the message; nothing was enqueued. `Retry-After` says when to try again',
  503: 'Redis unavailable; nothing was written',
};

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const addressParam = {
  name: 'address',
  in: 'path',
  required: true,
  description: 'An e-mail address or phone number, percent-encoded; compared trimmed and lower-cased',
  schema: { type: 'string', minLength: 1, maxLength: 320 },
};
const idempotencyHeader = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'Makes a retried request return the same result without enqueueing again (24 h).',
  schema: { type: 'string', minLength: 1, maxLength: 255 },
};
const pageParams = [
  { name: 'page_size', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
  { name: 'page_token', in: 'query', schema: { type: 'string' }, description: 'Opaque token from `next_page_token` or the `Link` header.' },
];
/** 400 and 404 of the Kratos admin routes: Kratos's (herodot's) error body. */
const kratosErrors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), { description: KRATOS_ERROR_TEXT[c] ?? 'error', ...json('KratosError') }]));
const KRATOS_ERROR_TEXT: Record<number, string> = {
  400: "Invalid status, page_size, page_token or id, in Kratos's error shape (`message`, and `reason` for a bad status)",
  404: "No such message, in Kratos's error shape",
};
/** The 429 of the enqueue routes, with its Retry-After header. */
const rateLimited = {
  '429': {
    description: ERROR_TEXT[429],
    headers: { 'Retry-After': { description: 'Seconds until the recipient has room again', schema: { type: 'integer', minimum: 1 } } },
    ...json('Error'),
  },
};
const linkHeader = { Link: { description: 'RFC 8288 `<...>; rel="next"` when there is a next page', schema: { type: 'string' } } };

/** Build the document (cheap; built once at start-up). */
export function buildOpenApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Courier',
      version: '1.0.0',
      description: 'Self-hosted e-mail and SMS courier: enqueue, track, retry and cancel messages. Kratos-compatible.',
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API key from `producer.api_keys` / `COURIER_API_KEYS`. Scopes: `send` (enqueue), `read` (lists, reads with secrets redacted), `admin` (retry, cancel, dashboard, reads with secrets; implies `read`). A plain key has every scope.',
        },
      },
      schemas: {
        SendMessage: schemaOf(sendMessageBody, 'input'),
        SendBatch: schemaOf(batchBody, 'input'),
        Enqueued: schemaOf(enqueuedResponse, 'output'),
        EnqueuedBatch: schemaOf(batchResponse, 'output'),
        Message: schemaOf(apiMessage, 'output'),
        MessageSummary: schemaOf(apiMessageSummary, 'output'),
        MessageList: schemaOf(listResponse, 'output'),
        StatusChange: schemaOf(statusResponse, 'output'),
        Error: schemaOf(errorResponse, 'output'),
        KratosPayload: schemaOf(kratosPayload, 'input'),
        KratosMessage: schemaOf(kratosMessage, 'output'),
        KratosMessageList: { type: 'array', items: ref('KratosMessage') },
        KratosError: schemaOf(kratosErrorResponse, 'output'),
        Suppression: schemaOf(apiSuppression, 'output'),
        SuppressionList: schemaOf(suppressionListResponse, 'output'),
        AddSuppression: schemaOf(addSuppressionBody, 'input'),
        Deleted: schemaOf(clearedResponse, 'output'),
        Health: { type: 'object', properties: { status: { type: 'string' }, errors: { type: 'object' } }, required: ['status'] },
      },
    },
    // HTTP Basic is taken by the dashboard (/admin/queues) only, never by this API.
    security: [{ bearer: [] }],
    paths: {
      '/messages': {
        post: {
          summary: 'Enqueue an e-mail or SMS (templated or raw)',
          parameters: [idempotencyHeader],
          requestBody: { required: true, ...json('SendMessage') },
          responses: { '202': { description: 'Accepted and queued', ...json('Enqueued') }, ...errors(400, 401, 403, 409, 413, 415, 503), ...rateLimited },
        },
        get: {
          summary: 'List message summaries (no content), newest first',
          parameters: [
            { name: 'status', in: 'query', schema: { type: 'string', enum: ['queued', 'processing', 'sent', 'error', 'abandoned', 'cancelled'] } },
            { name: 'recipient', in: 'query', schema: { type: 'string' } },
            { name: 'template_type', in: 'query', schema: { type: 'string' } },
            ...pageParams,
          ],
          responses: { '200': { description: 'A page of messages', headers: linkHeader, ...json('MessageList') }, ...errors(400, 401, 403, 503) },
        },
      },
      '/messages/batch': {
        post: {
          summary: 'Enqueue up to 1,000 messages at once (all or none)',
          parameters: [idempotencyHeader],
          requestBody: { required: true, ...json('SendBatch') },
          responses: { '202': { description: 'Accepted and queued', ...json('EnqueuedBatch') }, ...errors(400, 401, 403, 409, 413, 415, 503), ...rateLimited },
        },
      },
      '/messages/{id}': {
        get: {
          summary: 'A message with its dispatches; secret content redacted unless the key has the admin scope',
          parameters: [idParam],
          responses: { '200': { description: 'The message', ...json('Message') }, ...errors(400, 401, 403, 404, 503) },
        },
        delete: {
          summary: 'Cancel a message not yet sent',
          parameters: [idParam],
          responses: { '200': { description: 'Cancelled', ...json('StatusChange') }, ...errors(400, 401, 403, 404, 409, 503) },
        },
      },
      '/messages/{id}/retry': {
        post: {
          summary: 'Queue an abandoned message again',
          parameters: [idParam],
          responses: { '202': { description: 'Queued again', ...json('Enqueued') }, ...errors(400, 401, 403, 404, 409, 503) },
        },
      },
      '/suppressions': {
        get: {
          summary: 'List the suppression list (courier.suppression) in address order',
          parameters: pageParams,
          responses: { '200': { description: 'A page of entries', headers: linkHeader, ...json('SuppressionList') }, ...errors(400, 401, 403, 503) },
        },
        post: {
          summary: 'Put an address on the suppression list by hand (replaces its entry)',
          requestBody: { required: true, ...json('AddSuppression') },
          responses: { '201': { description: 'On the list', ...json('Suppression') }, ...errors(400, 401, 403, 413, 415, 503) },
        },
        delete: {
          summary: 'Empty the suppression list (only with all=true)',
          parameters: [{ name: 'all', in: 'query', required: true, schema: { type: 'string', enum: ['true'] } }],
          responses: { '200': { description: 'How many entries were deleted', ...json('Deleted') }, ...errors(400, 401, 403, 503) },
        },
      },
      '/suppressions/{address}': {
        get: {
          summary: "An address's suppression entry: when and why it was added",
          parameters: [addressParam],
          responses: { '200': { description: 'The entry', ...json('Suppression') }, ...errors(400, 401, 403, 404, 503) },
        },
        delete: {
          summary: 'Take an address off the suppression list: later messages to it are sent again',
          parameters: [addressParam],
          responses: { '200': { description: 'Deleted', ...json('Deleted') }, ...errors(400, 401, 403, 404, 503) },
        },
      },
      '/kratos/messages': {
        post: {
          summary: "Ingest what Kratos's HTTP delivery strategy posts (its default body template)",
          requestBody: { required: true, ...json('KratosPayload') },
          responses: { '202': { description: 'Accepted and queued', ...json('Enqueued') }, ...errors(400, 401, 403, 413, 415, 503), ...rateLimited },
        },
      },
      '/admin/courier/messages': {
        get: {
          summary: "List messages in Kratos's admin API shape (without dispatches), newest first",
          parameters: [
            {
              name: 'status',
              in: 'query',
              description: 'Kratos message status; any other value (including empty) is a 400',
              schema: { type: 'string', enum: ['queued', 'sent', 'processing', 'abandoned'] },
            },
            { name: 'recipient', in: 'query', schema: { type: 'string' } },
            {
              name: 'page_size',
              in: 'query',
              description: 'Integer; 10 when absent or <= 0, at most 500 (larger values are clamped), as Kratos',
              schema: { type: 'integer', default: 10 },
            },
            { name: 'page_token', in: 'query', schema: { type: 'string' }, description: 'Opaque token from the `Link` header; empty means the first page.' },
          ],
          responses: {
            '200': {
              description: 'Messages',
              headers: {
                Link: {
                  description:
                    'As Kratos (ory/x keysetpagination): `<...>; rel="first"` always, and `,<...>; rel="next"` when there is a next page; each carries `page_size` and `page_token`',
                  schema: { type: 'string' },
                },
              },
              ...json('KratosMessageList'),
            },
            ...kratosErrors(400),
            ...errors(401, 403, 503),
          },
        },
      },
      '/admin/courier/messages/{id}': {
        get: {
          summary: "A message in Kratos's admin API shape, with its dispatches newest first",
          parameters: [{ ...idParam, description: 'A UUID in any form Kratos accepts (canonical, 32 hex digits, braced, urn:uuid:)', schema: { type: 'string' } }],
          responses: { '200': { description: 'The message', ...json('KratosMessage') }, ...kratosErrors(400, 404), ...errors(401, 403, 503) },
        },
      },
      '/health/alive': { get: { summary: 'Liveness', security: [], responses: { '200': { description: 'Alive', ...json('Health') } } } },
      '/health/ready': {
        get: {
          summary: 'Readiness: Redis reachable',
          security: [],
          responses: { '200': { description: 'Ready', ...json('Health') }, '503': { description: 'Not ready', ...json('Health') } },
        },
      },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1 document' } } } },
    },
  };
}
