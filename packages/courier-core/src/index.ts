/**
 * Public API of @courier/core: what the apps and the other packages use, listed by
 * name, plus the types in those exports' signatures. Apps import only from here;
 * core's own tests may import its modules directly. See docs/architecture.md.
 */
export {
  ConfigError,
  CourierError,
  DeliveryError,
  TemplateError,
  summarizeError,
  type ApiErrorCode,
  type CourierErrorCode,
  type ErrorSummary,
  type StoredErrorCode,
} from './errors.js';
export {
  EXPIRING_TEMPLATE_TYPES,
  FINAL_STATUSES,
  MAX_TTL_SECONDS,
  MESSAGE_STATUSES,
  TEMPLATE_TYPES,
  buildJobPayload,
  checkNewMessage,
  configureTemplateDataLimits,
  emailAddressSchema,
  expiresAtFor,
  isExpired,
  jobEnvelopeSchema,
  jobPayloadSchema,
  messageIdSchema,
  messageSchema,
  messageStatusSchema,
  messageTypeSchema,
  newMessageId,
  newMessageObject,
  newMessageSchema,
  templateDataSchema,
  templateTypeSchema,
  textSchema,
  toJobPayload,
  type Dispatch,
  type JobPayload,
  type Message,
  type MessageStatus,
  type MessageType,
  type NewMessage,
  type TemplateData,
  type TemplateType,
} from './message.js';
export { API_KEY_SCOPES, configSchema, type ApiKeyEntry, type ApiKeyScope, type CourierConfig, type CourierSection, type HttpTimeouts } from './config/schema.js';
export { RAW_LIMIT_TYPE, recipientLimitFor, type ChannelRate, type RecipientWindowLimit } from './config/rate-limits.js';
export { loadConfig, loadConfigOrExit, parseConfig, type LoadConfigOptions } from './config/load.js';
export { envKeys } from './config/env.js';
export { templateDataLimitsOf } from './config/limits.js';
export { configWarnings } from './config/warnings.js';
export { httpServerTimeouts } from './config/http-timeouts.js';
export { parseSmtpConnectionUri } from './config/smtp-uri.js';
export { createLogger, type CreateLoggerOptions, type Logger } from './logging/logger.js';
export { createRedactor, type RedactionConfig, type Redactor } from './redaction/redactor.js';
export { attemptsFor, computeBackoffMs, type BackoffPolicy } from './retry/backoff.js';
export { createTemplateRegistry } from './templates/registry/create.js';
export type { RenderedContent, TemplateCheckReport, TemplateProblem, TemplateRegistry, TemplateRegistryOptions, TemplateSourceSummary } from './templates/registry/types.js';
export { renderTemplated, type TemplatedMessage } from './templates/render-templated.js';
export { SAMPLE_RECIPIENTS, sampleTemplateData } from './templates/sample-data.js';
export type { DeliveryContext, DeliveryResult, DeliveryStrategy, OutboundMessage } from './delivery/strategy.js';
export { createDeliveryChannels, type DeliveryChannels, type DeliveryChannelsOptions } from './delivery/registry.js';
export { failureRouteOf, routeDispatchFields, type ChannelOutcome, type DeliveryRoute, type FailoverObserver } from './delivery/failover.js';
export { CIRCUIT_STATES, type CircuitState } from './delivery/circuit-breaker.js';
export { createSmtpStrategy, type SmtpStrategyOptions } from './delivery/smtp.js';
export { createMimeWriter, type MimeWriter, type MimeWriterOptions } from './delivery/mime.js';
export { recipientRejectionOf, type RecipientRejection } from './delivery/recipient-rejection.js';
export { type SuppressionConfig } from './config/suppression.js';
export { createJsonnetBatchRenderer } from './jsonnet/batch/renderer.js';
export type { JsonnetBatchRenderer } from './jsonnet/batch/types.js';
export { WEBHOOK_EVENT_TYPES, prepareWebhookEvent, type WebhookEvent, type WebhookEventData, type WebhookEventInput, type WebhookEventType } from './webhooks/events.js';
export { newWebhookSecret, parseWebhookSecret } from './webhooks/signature.js';
export { createWebhookSender, type WebhookTarget } from './webhooks/sender.js';
