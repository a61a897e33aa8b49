/**
 * Bull Board at `/admin/queues`, behind the API key (HTTP Basic with the key as
 * password, so a browser can log in; or Bearer). Job data shown there has its
 * secret content redacted (`producer.redaction`, as single reads without `admin`). Only reads and retry/clean/promote are let
 * through (../dashboard/allow-list.ts), the writes only when not
 * `producer.dashboard.read_only` (the default); state-changing calls must come
 * from the dashboard's own origin, and its pages cannot be framed
 * (../dashboard/guards.ts). Jobs removed there cancel their messages
 * (../dashboard/removals.ts); failed jobs retried there re-queue their
 * abandoned messages (../dashboard/retries.ts).
 */
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Redactor } from '@courier/core';
import type { MessageStore, RedisConnection } from '@courier/store';
import { allowListedRoutes, requireSameOrigin, securityHeaders } from '../dashboard/guards.js';
import { trackDashboardRemovals } from '../dashboard/removals.js';
import { trackDashboardRetries } from '../dashboard/retries.js';
import { redactMessageContent } from '../present/content.js';

/** Where the dashboard is served. */
export const DASHBOARD_PATH = '/admin/queues';

/** Options of {@link registerDashboard}. */
export interface DashboardOptions {
  /** Refuse retry/clean/promote too (`producer.dashboard.read_only`). */
  readonly readOnly: boolean;
  /** The authentication hook (HTTP Basic allowed, with a challenge, so a browser can log in). */
  readonly onRequest: (req: never, reply: never) => Promise<void>;
  /** The message store, to cancel the records of jobs removed from the board. */
  readonly store: MessageStore;
  /** The connection `queue` and `store` use. */
  readonly redis: RedisConnection;
  /** What of a job's data (the message payload) the board must not show (`producer.redaction`). */
  readonly redactor: Redactor;
}

/**
 * Register the dashboard in its own encapsulated scope. Hook order matters:
 * headers first (every answer carries them), then the origin check (a forged
 * cross-site call is refused before its login is even looked at), then
 * authentication, then the route allow-list.
 */
export async function registerDashboard(app: FastifyInstance, queue: Queue, options: DashboardOptions): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  const adapter = new BullMQAdapter(queue, { readOnlyMode: options.readOnly });
  adapter.setFormatter('data', (data: unknown) => redactMessageContent(data, options.redactor));
  createBullBoard({ queues: [adapter], serverAdapter, options: { uiConfig: { boardTitle: 'Courier' } } });
  await app.register(async (scope) => {
    scope.addHook('onRequest', securityHeaders);
    scope.addHook('onRequest', requireSameOrigin);
    scope.addHook('onRequest', options.onRequest as never);
    scope.addHook('onRequest', allowListedRoutes(DASHBOARD_PATH, options.readOnly));
    trackDashboardRemovals(scope, { queue, redis: options.redis, store: options.store, basePath: DASHBOARD_PATH });
    trackDashboardRetries(scope, { queue, redis: options.redis, store: options.store, basePath: DASHBOARD_PATH });
    await scope.register(serverAdapter.registerPlugin(), { prefix: DASHBOARD_PATH });
  });
}
