/**
 * Public API of @courier/store: Courier's Redis side, shared by producer and worker.
 */
export { reconnectDelayMs, createRedisConnection, closeRedisConnection, type RedisConnection } from './connection.js';
export { type CourierKeys } from './keys.js';
export { COURIER_BACKOFF_TYPE, defaultJobOptions, jobOptionsFor, jobNameFor, createCourierQueue } from './queue.js';
export { createMessageStore, isFinal, type FinishResult, type MessageStore } from './message-store.js';
export { encodePageToken, InvalidPageTokenError } from './message-list.js';
export { type StoredMessage, type MessageSummary } from './records.js';
export { createIndexPruner, acquireJanitorLock, countByStatus } from './janitor.js';
export { JOB_MISSING, createOrphanSettler } from './orphans.js';
export { createEnqueueMulti, enqueueMessages, createEnqueuer } from './enqueue.js';
export { createIdempotencyRecords, type IdempotencyRecords } from './idempotency.js';
export { createSuppressionList, InvalidSuppressionPageTokenError, type SuppressionEntry, type SuppressionList } from './suppressions.js';
export {
  createRecipientLimiter,
  createChannelLimiter,
  countRateLimitRejections,
  type RecipientLimiter,
  type RecipientLimitRequest,
  type ChannelLimiter,
  type ChannelRateSpec,
} from './rate-limits.js';
export {
  NO_WEBHOOKS,
  WEBHOOK_BACKOFF_TYPE,
  createWebhookEmitter,
  createWebhookQueue,
  webhookQueueName,
  type WebhookEmitOutcome,
  type WebhookEmitter,
  type WebhookJobData,
} from './webhook-queue.js';
