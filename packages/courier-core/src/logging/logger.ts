/**
 * Structured JSON logs (pino) with secrets redacted by path, for both apps.
 * Log lines carry message ids, attempts and outcomes; never message content,
 * template data (one-time codes), passwords or API keys.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';
import { textDestination } from './text-format.js';

/** Paths removed from every log line wherever they appear (one or two levels deep). */
const REDACTED_PATHS: readonly string[] = [
  'template_data',
  'body',
  'html_body',
  'subject',
  'password',
  'pass',
  'api_key',
  'api_keys',
  'authorization',
  'cookie',
  'connection_uri',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.template_data',
  '*.body',
  '*.html_body',
  '*.subject',
  '*.password',
  '*.pass',
  '*.api_key',
  '*.api_keys',
  '*.authorization',
  '*.connection_uri',
];

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  readonly level: LoggerOptions['level'];
  /** Name of the app, logged as `app`. */
  readonly app: string;
  /** Where to write; stdout by default (tests capture it). */
  readonly destination?: NodeJS.WritableStream;
  /** `json` (default) or `text` (`key=value` lines), as Kratos's `log.format`. */
  readonly format?: 'json' | 'text';
  /** What replaces a redacted value (`log.redaction_text`); `[redacted]` by default. */
  readonly redactionText?: string;
}

/** Create the app logger. */
export function createLogger(options: CreateLoggerOptions): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    base: { app: options.app, pid: process.pid },
    redact: { paths: [...REDACTED_PATHS], censor: options.redactionText ?? '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  const out = options.destination ?? (options.format === 'text' ? process.stdout : undefined);
  if (out === undefined) return pino(config);
  return pino(config, options.format === 'text' ? textDestination(out) : out);
}

export type { Logger } from 'pino';
