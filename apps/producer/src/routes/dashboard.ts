/**
 * Bull Board at `/admin/queues`, behind the API key (HTTP Basic with the key as
 * password, so a browser can log in; or Bearer). Job data shown there has bodies
 * and one-time codes redacted. `producer.dashboard.read_only` hides the
 * retry/clean/remove buttons.
 */
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { SECRET_TEMPLATE_FIELDS } from '@courier/core';

/** Where the dashboard is served. */
export const DASHBOARD_PATH = '/admin/queues';

/** Redact what the dashboard must not show of a job's data. */
export function redactJobData(data: unknown): unknown {
  if (data === null || typeof data !== 'object') return data;
  const copy: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  for (const field of ['body', 'html_body']) if (copy[field] !== undefined) copy[field] = '[redacted]';
  const td = copy['template_data'];
  if (td !== null && typeof td === 'object') {
    const t: Record<string, unknown> = { ...(td as Record<string, unknown>) };
    for (const f of SECRET_TEMPLATE_FIELDS) if (t[f] !== undefined) t[f] = '[redacted]';
    copy['template_data'] = t;
  }
  return copy;
}

/**
 * Dashboard API calls that write job data. The dashboard only ever sees redacted
 * data, so "Update data" or "Duplicate" would send "[redacted]" to a recipient:
 * they are refused. Enqueue through the API instead.
 */
const DATA_WRITES = /^\/admin\/queues\/api\/queues\/[^/]+\/(?:[^/]+\/update-data|add)$/;

/** Register the dashboard in its own encapsulated scope with `onRequest` auth. */
export async function registerDashboard(
  app: FastifyInstance,
  queue: Queue,
  options: { readOnly: boolean; onRequest: (req: never, reply: never) => Promise<void> },
): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  const adapter = new BullMQAdapter(queue, { readOnlyMode: options.readOnly });
  adapter.setFormatter('data', redactJobData);
  createBullBoard({ queues: [adapter], serverAdapter, options: { uiConfig: { boardTitle: 'Courier' } } });
  await app.register(
    async (scope) => {
      scope.addHook('onRequest', options.onRequest as never);
      scope.addHook('onRequest', async (req, reply) => {
        if (DATA_WRITES.test(req.url.split('?')[0] ?? '')) {
          await reply.code(403).send({
            error: { code: 'forbidden', message: 'the dashboard shows redacted job data, so editing or adding jobs there is disabled; use the API' },
          });
        }
      });
      await scope.register(serverAdapter.registerPlugin(), { prefix: DASHBOARD_PATH });
    },
  );
}
