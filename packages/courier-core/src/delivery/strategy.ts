/**
 * The one delivery contract every strategy implements, shaped like nodemailer's
 * transports: `send(message, ctx)`, optional `verify()` and `close()`.
 */
import type { MessageType, TemplateData, TemplateType } from '../message.js';
import type { DeliveryRoute } from './failover.js';

/** A rendered message ready to leave: what a strategy delivers. */
export interface OutboundMessage {
  /** Courier's message id; strategies may use it as a provider idempotency key. */
  readonly id: string;
  readonly type: MessageType;
  /** The channel id (`email`, `sms`, or a configured channel). */
  readonly channel: string;
  readonly recipient: string;
  readonly subject?: string | undefined;
  /** Plain-text body (always present; for SMS the whole message). */
  readonly body: string;
  readonly html_body?: string | undefined;
  readonly template_type?: TemplateType | undefined;
  readonly template_data?: TemplateData | undefined;
}

/** Per-attempt context handed to a strategy. */
export interface DeliveryContext {
  /** 1-based attempt number. */
  readonly attempt?: number;
  /** Aborted when the worker gives up on the attempt (shutdown, lock lost). */
  readonly signal?: AbortSignal;
  /**
   * Called right before the message is handed over to the provider (SMTP: DATA was
   * accepted and the body is about to be written; HTTP: the request is about to be
   * written); a throw stops the send, which then fails with that error and nothing of
   * the message is handed over. The worker checks here that it still owns the message.
   */
  readonly handOver?: () => void;
}

/** What a successful send reports. */
export interface DeliveryResult {
  /** Identifier the provider gave the message, e.g. SMTP `messageId` or an HTTP response id. */
  readonly providerMessageId?: string | undefined;
  /** Short, secret-free description of the provider's answer (SMTP reply line, HTTP status). */
  readonly response?: string | undefined;
  /** Set by the failover router (delivery/failover.ts): the channel used, and those that failed before it. */
  readonly route?: DeliveryRoute | undefined;
}

/**
 * A delivery strategy. `send` resolves on success and rejects with a
 * `DeliveryError` (retryable or permanent) on failure; any other rejection is
 * treated as retryable.
 */
export interface DeliveryStrategy {
  /** Strategy name as in config, e.g. `smtp` or `http`. */
  readonly name: string;
  send(message: OutboundMessage, ctx?: DeliveryContext): Promise<DeliveryResult>;
  /** Check that the peer is reachable and credentials work, without sending. */
  verify?(): Promise<void>;
  /** Release pooled connections. */
  close?(): Promise<void>;
}
