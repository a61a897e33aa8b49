/**
 * Public API of @courier/client: a typed client of Courier's producer API.
 */
export { createCourierClient } from './client.js';
export { CourierApiError, isRetryableStatus, type ClientErrorCode, type CourierApiErrorInit, type FieldError } from './errors.js';
export type {
  BatchMessage,
  CourierClient,
  CourierClientOptions,
  Dispatch,
  EnqueuedMessage,
  ListFilter,
  Message,
  MessagePage,
  MessageSummary,
  MessageStatus,
  MessageType,
  NewMessage,
  Schedule,
  SendBatchOptions,
  SendBatchResult,
  SendOptions,
  SendResult,
  StatusChange,
  Suppression,
  SuppressionListOptions,
  SuppressionPage,
  TemplateData,
  TemplateType,
} from './types.js';
export {
  newWebhookSecret,
  verifyWebhook,
  WebhookVerificationError,
  type VerifyWebhookOptions,
  type WebhookEvent,
  type WebhookEventData,
  type WebhookEventType,
} from './webhooks.js';
