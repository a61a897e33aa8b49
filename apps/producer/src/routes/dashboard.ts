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
      await scope.register(serverAdapter.registerPlugin(), { prefix: DASHBOARD_PATH });
    },
  );
}
