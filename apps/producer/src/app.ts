/**
 * Composition of the producer: Fastify with auth, error handling, the message
 * API, the Kratos bridge, Bull Board, OpenAPI and health, over a fail-fast
 * Redis connection (a request gets a 503 rather than hanging when Redis is down).
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { configureTemplateDataLimits, createRedactor, httpServerTimeouts, templateDataLimitsOf, type CourierConfig, type Logger } from '@courier/core';
import { closeRedisConnection, createCourierQueue, createIdempotencyRecords, createMessageStore, createRedisConnection, createSuppressionList } from '@courier/store';
import { createProducerWebhooks } from './enqueue/webhooks.js';
import { createAuthenticator, requireApiKey } from './auth/api-keys.js';
import { enforceScope, routeScope } from './auth/scopes.js';
import { createIdempotency } from './enqueue/idempotency.js';
import { createEnqueueService } from './enqueue/service.js';
import { installErrorHandling } from './http/api-error.js';
import { HERODOT_BAD_REQUEST_MESSAGE, herodotBody } from './http/kratos-error.js';
import { lazyChildLoggerFactory } from './http/request-logger.js';
import { serializeRequest } from './http/url-redaction.js';
import { buildOpenApiDocument } from './openapi/document.js';
import { DASHBOARD_PATH, registerDashboard } from './routes/dashboard.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerKratosRoutes } from './routes/kratos.js';
import { registerMessageRoutes } from './routes/messages.js';
import { registerSuppressionRoutes } from './routes/suppressions.js';

/** A built (not yet listening) producer. */
export interface ProducerApp {
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

const PUBLIC_PATHS = new Set(['/health/alive', '/health/ready']);

/** Build the producer app. */
export async function buildProducer(config: CourierConfig, logger: Logger): Promise<ProducerApp> {
  configureTemplateDataLimits(templateDataLimitsOf(config));
  const redis = createRedisConnection(config.redis, 'fail-fast', 'courier-producer');
  redis.on('error', (err: Error) => logger.warn({ error: err.message }, 'redis connection error'));
  const queue = createCourierQueue(redis, config);
  queue.on('error', (err: Error) => logger.warn({ error: err.message }, 'queue error'));
  const store = createMessageStore(redis, config.redis.prefix, { finishedTtlSeconds: config.retention.finished_ttl_seconds });
  const webhooks = createProducerWebhooks(config, redis, logger);
  const enqueue = createEnqueueService(config, redis, queue, store, webhooks.emitter);
  const idempotency = createIdempotency(createIdempotencyRecords(redis, store.keys));
  if (config.producer.api_keys.length === 0) {
    logger.warn('no API keys configured (producer.api_keys / COURIER_API_KEYS): every request will get 401');
  }
  const authenticate = createAuthenticator(config.producer.api_keys);
  const redactor = createRedactor(config.producer.redaction);
  // Fastify logs each request's URL at info: through this serializer, without
  // the values of recipient and page_token (Fastify prefers the logger's own
  // serializers over its defaults).
  const appLogger = logger.child({}, { serializers: { req: serializeRequest } });

  const app = Fastify({
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- pins Fastify's logger type parameter; without it the app is not a plain FastifyInstance.
    loggerInstance: appLogger as FastifyBaseLogger,
    bodyLimit: config.producer.body_limit_bytes,
    // A client trickling headers or a body cannot hold a connection open.
    ...httpServerTimeouts(config.producer.timeouts),
    // Request loggers are made when a request first logs (at level warn, rarely).
    childLoggerFactory: lazyChildLoggerFactory,
    trustProxy: false,
    // Ids are UUIDs; a suppressed address is at most 320 characters, up to three times that
    // percent-encoded; anything longer is refused by the router (as a 400 below).
    routerOptions: { maxParamLength: 1_000 },
    // Errors raised before routing (malformed percent-encoding, over-long path
    // parameters) get the API's error shape too.
    frameworkErrors: (error, req, reply) => {
      // Kratos's admin routes answer in Kratos's (herodot's) error shape.
      if (req.url.startsWith('/admin/courier/messages')) {
        const rid = req.headers['x-request-id'];
        void (reply as unknown as FastifyReply).code(400).send(herodotBody(400, HERODOT_BAD_REQUEST_MESSAGE, error.message, typeof rid === 'string' ? rid : undefined));
        return;
      }
      void (reply as unknown as FastifyReply).code(400).send({
        error: { code: 'invalid_request', message: 'the request path is malformed', details: [{ path: 'path', message: error.message }] },
      });
    },
  });
  installErrorHandling(app);
  // JSON only: Fastify parses text/plain by default, which would turn a
  // wrong content type into a confusing validation error instead of a 415.
  app.removeContentTypeParser('text/plain');
  const apiAuth = requireApiKey(authenticate);
  app.addHook('onRequest', async (req, reply) => {
    // By the route the router matched, not the raw URL, which can spell one route
    // several ways (`/admin/%71ueues`); unmatched paths get the API's 401.
    const route = req.routeOptions.url;
    if (route !== undefined && (PUBLIC_PATHS.has(route) || route === DASHBOARD_PATH || route.startsWith(`${DASHBOARD_PATH}/`))) return;
    await apiAuth(req, reply);
    if (reply.sent) return;
    const scope = routeScope(req);
    if (scope !== undefined) await enforceScope(req, reply, scope);
  });

  registerHealthRoutes(app, redis, appLogger);
  registerMessageRoutes(app, { store, enqueue, idempotency, redactor });
  const suppression = config.courier.suppression;
  registerSuppressionRoutes(app, { list: createSuppressionList(redis, store.keys, { ttlSeconds: suppression.ttl_seconds, maxEntries: suppression.max_entries }) });
  registerKratosRoutes(app, { store, enqueue, exposeContent: config.producer.expose_message_content });
  const document = buildOpenApiDocument();
  app.get('/openapi.json', { config: { scope: 'authenticated' } }, async () => document);
  if (config.producer.dashboard.enabled) {
    const dashboardAuth = requireApiKey(authenticate, true, { allowBasic: true });
    await registerDashboard(app, queue, {
      readOnly: config.producer.dashboard.read_only,
      // The dashboard retries, removes and cleans jobs: admin only. Basic auth is taken here alone (browsers).
      onRequest: async (req: FastifyRequest, reply: FastifyReply) => {
        await dashboardAuth(req, reply);
        if (!reply.sent) await enforceScope(req, reply, 'admin');
      },
      store,
      redis,
      redactor,
    });
  }

  return {
    app,
    async close() {
      await app.close();
      await webhooks.close();
      await queue.close().catch(() => undefined);
      await closeRedisConnection(redis);
    },
  };
}
