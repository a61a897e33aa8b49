/**
 * Worker entry point: `pnpm --filter @courier/worker start`. Reads
 * `COURIER_CONFIG` and `REDIS_URL` (and every other override) from the
 * environment, once, here.
 */
import { ConfigError, configWarnings, createLogger, loadConfigOrExit, TemplateError } from '@courier/core';
import { startWorker } from './app.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit('courier-worker', process.env);
  const logger = createLogger({ level: config.log.level, app: 'courier-worker', format: config.log.format, redactionText: config.log.redaction_text });
  for (const warning of configWarnings(config)) logger.warn(warning);
  let running;
  try {
    running = await startWorker(config, logger, {
      onFatal: () => process.exit(1),
    });
  } catch (err) {
    if (err instanceof TemplateError || err instanceof ConfigError) {
      logger.fatal({ error_code: err.code, error: err.message }, 'cannot start');
      process.stderr.write(`courier-worker: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    running
      .stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error({ error: (err as Error).message }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`courier-worker: fatal: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
