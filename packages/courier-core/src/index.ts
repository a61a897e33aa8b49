/**
 * Public API of @courier/core. Apps import only from here.
 */
export * from './errors.js';
export * from './message.js';
export { checkJsonLimits, isWellFormedText, type JsonLimitProblem, type JsonLimits } from './json-limits.js';
export { templateDataLimitsOf } from './config/limits.js';
export { configWarnings } from './config/warnings.js';
export * from './config/schema.js';
export { loadConfig, loadConfigOrExit, parseConfig, type LoadConfigOptions } from './config/load.js';
export { envKeys, type EnvKey } from './config/env.js';
export { httpServerTimeouts, type HttpServerTimeoutOptions } from './config/http-timeouts.js';
export { parseSmtpConnectionUri, type SmtpConnection, type SmtpTlsMode } from './config/smtp-uri.js';
export type { DeliveryContext, DeliveryResult, DeliveryStrategy, OutboundMessage } from './delivery/strategy.js';
export { loadUri, currentVersion, type LoadedSource } from './uri/load-uri.js';
export { computeBackoffMs, attemptsFor, type BackoffPolicy } from './retry/backoff.js';
export { createDeliveryChannels, createStrategyByName, DELIVERY_STRATEGY_NAMES, type DeliveryChannels } from './delivery/registry.js';
export { createLogger, REDACTED_PATHS, type CreateLoggerOptions, type Logger } from './logging/logger.js';
export { createTemplateRegistry } from './templates/registry/create.js';
export type { RenderedContent, TemplateRegistry, TemplateRegistryOptions } from './templates/registry/types.js';
export { TEMPLATE_CATALOG } from './templates/catalog.js';
export { createSmtpStrategy, type SmtpStrategyOptions } from './delivery/smtp.js';
export {
  buildMimeMessage,
  createMimeWriter,
  headerNameProblem,
  MimeInputError,
  type MimeAddress,
  type MimeMessage,
  type MimeMessageContent,
  type MimeWriter,
  type MimeWriterOptions,
} from './delivery/mime.js';
export { createHttpStrategy, type HttpStrategyOptions } from './delivery/http/strategy.js';
export { classifySmtpError } from './delivery/smtp-errors.js';
export { classifyHttpResponse, classifyFetchError, parseRetryAfter } from './delivery/http/classify.js';
export { createJsonnetBatchRenderer } from './jsonnet/batch/renderer.js';
export type { JsonnetBatchRenderer } from './jsonnet/batch/types.js';
export { buildJsonnetContext } from './delivery/http/context.js';
export {
  ADDRESS_DISALLOWED,
  DISALLOW_PRIVATE_IP_RANGES_KEY,
  DisallowedAddressError,
  findDisallowedAddressError,
  assertAddressAllowed,
  resolveAllowedAddresses,
  createGuardedLookup,
  type AddressPolicy,
} from './net/address-guard.js';
export { disallowedRangeOf, isIpLiteral, type DisallowedRange } from './net/address-ranges.js';
export type { OutboundHttpOptions } from './net/http-client.js';
export type { DeliveryChannelsOptions } from './delivery/registry.js';
export { messageSecrets } from './delivery/message-secrets.js';
export * from './redaction/index.js';
