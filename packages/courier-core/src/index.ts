/**
 * Public API of @courier/core. Apps import only from here.
 */
export * from './errors.js';
export * from './message.js';
export * from './config/schema.js';
export { loadConfig, parseConfig, type LoadConfigOptions } from './config/load.js';
export { envKeys, type EnvKey } from './config/env.js';
export { parseSmtpConnectionUri, type SmtpConnection, type SmtpTlsMode } from './config/smtp-uri.js';
export type { DeliveryContext, DeliveryResult, DeliveryStrategy, OutboundMessage } from './delivery/strategy.js';
export { loadUri, currentVersion, type LoadedSource } from './uri/load-uri.js';
