/**
 * Producer entry point: `pnpm --filter @courier/producer start`. Reads
 * `COURIER_CONFIG`, `REDIS_URL`, `PORT` (and every other override) from the
 * environment, once, here.
 */
import { configWarnings, createLogger, loadConfigOrExit } from '@courier/core';
import { buildProducer } from './app.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit('courier-producer', process.env);
  const logger = createLogger({ level: config.log.level, app: 'courier-producer', format: config.log.format, redactionText: config.log.redaction_text });
  for (const warning of configWarnings(config)) logger.warn(warning);
  const producer = await buildProducer(config, logger);
  const address = await producer.app.listen({ host: config.producer.host, port: config.producer.port });
  const port = producer.app.server.address();
  logger.info({ address, port: typeof port === 'object' && port !== null ? port.port : config.producer.port }, 'courier producer listening');
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    producer
      .close()
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`courier-producer: fatal: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
