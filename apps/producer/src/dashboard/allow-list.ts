/**
 * Which Bull Board calls the dashboard lets through: an allow-list of (method,
 * route pattern) pairs, matched on the route the router chose (Fastify's
 * `req.routeOptions.url`), never on the raw URL. The raw URL can be spelled many
 * ways that route to the same handler (`%75pdate-data`, `%61dd`, ...), so a
 * deny-list over it is always one encoding short; the route pattern cannot be
 * spelled differently, and a route Bull Board adds in a later version is refused
 * until it is listed here.
 *
 * Patterns are Bull Board's own (node_modules/@bull-board/api/dist/routes.js),
 * relative to the dashboard's base path.
 */

/** What a route may do; `write` routes are refused when the dashboard is read-only. */
export type DashboardAccess = 'read' | 'write';

/** Methods that only read. HEAD is what Fastify answers for every GET route. */
const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * Routes that only read: the page shell (one per client-side route), its static
 * assets and the JSON the page loads.
 */
export const READ_ROUTES: readonly string[] = [
  '',
  '/',
  '/metrics-history',
  '/job-schedulers',
  '/queue/:queueName',
  '/queue/:queueName/:jobId',
  '/static/*',
  '/api/redis/stats',
  '/api/queues',
  '/api/job-schedulers',
  '/api/queues/:queueName/metrics',
  '/api/queues/:queueName/default-job-options',
  '/api/queues/:queueName/workers',
  '/api/queues/:queueName/rate-limit',
  '/api/queues/:queueName/job-data-schema',
  '/api/queues/:queueName/:jobId/logs',
  '/api/queues/:queueName/:jobId/flow',
  '/api/queues/:queueName/:jobId',
];

/**
 * The only writes: retry, clean (remove) and promote, of one job or of a whole
 * status. Not listed, hence refused: adding or editing jobs (the board only sees
 * redacted data, so an edit would send "[redacted]" or reroute a message behind
 * its record's back), changing delay or priority, pausing, emptying or
 * obliterating the queue (which would strand every record), rate limits,
 * concurrency and schedulers. The API (enqueue, cancel, retry) is the way to do
 * those to messages.
 */
export const WRITE_ROUTES: readonly string[] = [
  '/api/queues/:queueName/retry/:queueStatus',
  '/api/queues/:queueName/promote',
  '/api/queues/:queueName/clean/:queueStatus',
  '/api/queues/:queueName/:jobId/retry',
  '/api/queues/:queueName/:jobId/clean',
  '/api/queues/:queueName/:jobId/promote',
];

/** The method Bull Board registers each write route with. */
const WRITE_METHOD = 'PUT';

/** Route pattern of "Retry" on a job card. */
export const RETRY_JOB_ROUTE = '/api/queues/:queueName/:jobId/retry';
/** Route pattern of "Retry all" for one status. */
export const RETRY_ALL_ROUTE = '/api/queues/:queueName/retry/:queueStatus';
/** Route pattern of a single-job removal ("Clean" on a job card). */
export const CLEAN_JOB_ROUTE = '/api/queues/:queueName/:jobId/clean';
/** Route pattern of "Clean all" for one status. */
export const CLEAN_ALL_ROUTE = '/api/queues/:queueName/clean/:queueStatus';

/**
 * Classify a request by the route it was routed to.
 *
 * @param method - The request method (upper case, as Fastify reports it).
 * @param route - The matched route pattern relative to the dashboard's base
 *   path, or undefined when nothing matched.
 * @returns `read` or `write` for an allowed call, undefined for any other.
 */
export function dashboardAccess(method: string, route: string | undefined): DashboardAccess | undefined {
  if (route === undefined) return undefined;
  if (READ_METHODS.has(method) && READ_ROUTES.includes(route)) return 'read';
  if (method === WRITE_METHOD && WRITE_ROUTES.includes(route)) return 'write';
  return undefined;
}

/**
 * The route pattern of a request relative to `basePath`, from the router's
 * match (`req.routeOptions.url`); undefined when the route is not under it.
 */
export function relativeRoute(routeUrl: string | undefined, basePath: string): string | undefined {
  if (routeUrl === undefined) return undefined;
  if (routeUrl === basePath) return '';
  return routeUrl.startsWith(`${basePath}/`) ? routeUrl.slice(basePath.length) : undefined;
}
