/**
 * The worker's side of the suppression list (`courier.suppression`): before a send, is
 * the recipient on the list (then the message is abandoned `RECIPIENT_SUPPRESSED`, never
 * sent); after a final failure, does the provider's rejection name the recipient (then it
 * goes on the list). Only messages of the configured template types take part.
 */
import { Counter, type Registry } from 'prom-client';
import { DeliveryError, recipientRejectionOf, type JobPayload, type Logger, type SuppressionConfig } from '@courier/core';
import type { SuppressionEntry, SuppressionList } from '@courier/store';

/** What the processor asks of the list. */
export interface SuppressionGate {
  /**
   * Start looking the recipient up (the answer is awaited just before the send, so the
   * round trip overlaps rendering); undefined when the list does not apply to the message.
   */
  lookUp(payload: JobPayload): Promise<SuppressionEntry | undefined> | undefined;
  /** After a final failed attempt: put the recipient on the list if the rejection names it. Never throws. */
  noteFailure(payload: JobPayload, err: unknown): Promise<void>;
}

/** The error a suppressed message is abandoned with (caught by the processor, never thrown past it). */
export function suppressedError(entry: SuppressionEntry): DeliveryError {
  const why = entry.source === 'api' ? 'added through the API' : `${entry.code} on ${entry.channel ?? 'a channel'}`;
  return new DeliveryError('RECIPIENT_SUPPRESSED', `the recipient is on the suppression list since ${entry.added_at} (${why}); not sent`.slice(0, 1000), { retryable: false });
}

/** The gate, or undefined when `courier.suppression.enabled` is off (then no Redis command is sent for it). */
export function createSuppressionGate(config: SuppressionConfig, list: SuppressionList, registry: Registry, logger: Logger): SuppressionGate | undefined {
  if (!config.enabled) return undefined;
  const types = config.types === undefined ? undefined : new Set<string>(config.types);
  const applies = (payload: JobPayload): boolean => types === undefined || (payload.template_type !== undefined && types.has(payload.template_type));
  const added = new Counter({
    name: 'courier_suppressions_added_total',
    help: 'Recipients this worker put on the suppression list after a permanent rejection, by channel',
    labelNames: ['channel'] as const,
    registers: [registry],
  });
  const evicted = new Counter({
    name: 'courier_suppressions_evicted_total',
    help: 'Suppression-list entries evicted (oldest first) to stay within courier.suppression.max_entries',
    registers: [registry],
  });
  return {
    lookUp(payload) {
      if (!applies(payload)) return undefined;
      const found = list.find(payload.recipient);
      // Awaited later; a rejection before then must not count as unhandled.
      found.catch(() => undefined);
      return found;
    },
    async noteFailure(payload, err) {
      if (!applies(payload)) return;
      const rejection = recipientRejectionOf(err, payload.channel, config);
      if (rejection === undefined) return;
      try {
        const { evicted: gone } = await list.add({
          address: payload.recipient,
          source: 'delivery',
          code: rejection.code,
          detail: rejection.detail,
          channel: payload.channel,
          message_id: payload.id,
          ...(payload.template_type === undefined ? {} : { template_type: payload.template_type }),
        });
        added.inc({ channel: payload.channel });
        if (gone.length > 0) {
          evicted.inc(gone.length);
          logger.warn({ evicted: gone.length, max_entries: config.max_entries }, 'suppression list full; oldest entries evicted');
        }
        if (logger.isLevelEnabled('info')) logger.info({ message_id: payload.id, channel: payload.channel, code: rejection.code }, 'recipient added to the suppression list');
      } catch (addErr) {
        logger.error({ message_id: payload.id, error: (addErr as Error).message }, 'could not add the recipient to the suppression list');
      }
    },
  };
}
