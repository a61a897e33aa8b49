/**
 * The CLI's dispatcher: parse, run one command, turn every failure into a
 * message on stderr and an exit status (0 done, 1 API/network, 2 usage/config).
 */
import { CourierApiError } from '../errors.js';
import { UsageError, parseCommandLine, type ParsedCommand } from './args.js';
import { configValidate } from './commands/config-validate.js';
import { cancelMessage, getMessage, listMessages, retryMessage } from './commands/messages.js';
import { send } from './commands/send.js';
import { templatesCheck } from './commands/templates-check.js';
import { templatesPreview } from './commands/templates-preview.js';
import { addSuppression, clearSuppressions, deleteSuppression, getSuppression, listSuppressions } from './commands/suppressions.js';
import { webhookSecret, webhookVerify } from './commands/webhooks.js';
import { safeText } from './format.js';
import type { CliIo } from './io.js';
import { usage } from './usage.js';

export type { CliIo } from './io.js';

function describeApiError(err: CourierApiError): string {
  const where = err.status === 0 ? err.code : `${err.code} (HTTP ${err.status})`;
  const lines = [`courier: ${where}: ${safeText(err.message)}`];
  for (const d of err.details) lines.push(`  - ${safeText(d.path)}: ${safeText(d.message)}`);
  if (err.status === 401) lines.push('  check COURIER_API_KEY / --api-key against producer.api_keys');
  if (err.retryable) lines.push(`  this may succeed if tried again${err.retryAfterMs === undefined ? '' : ` in ${Math.ceil(err.retryAfterMs / 1000)} s`}`);
  return `${lines.join('\n')}\n`;
}

async function dispatch(parsed: Extract<ParsedCommand, { kind: 'run' }>, io: CliIo): Promise<number> {
  const { command, values, args } = parsed;
  const id = args[0] ?? '';
  switch (command) {
    case 'config validate':
      return configValidate(values, io);
    case 'send':
      return send(values, io);
    case 'templates check':
      return templatesCheck(values, io);
    case 'templates preview':
      return templatesPreview(values, args[0] ?? '', io);
    case 'messages list':
      return listMessages(values, io);
    case 'messages get':
      return getMessage(values, id, io);
    case 'messages retry':
      return retryMessage(values, id, io);
    case 'messages cancel':
      return cancelMessage(values, id, io);
    case 'suppressions list':
      return listSuppressions(values, io);
    case 'suppressions get':
      return getSuppression(values, id, io);
    case 'suppressions add':
      return addSuppression(values, id, io);
    case 'suppressions delete':
      return deleteSuppression(values, id, io);
    case 'suppressions clear':
      return clearSuppressions(values, io);
    case 'webhooks secret':
      return webhookSecret(values, io);
    case 'webhooks verify':
      return webhookVerify(values, io);
  }
}

/**
 * Run the CLI with `argv` (without `node` and the script).
 *
 * @returns The exit status.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const parsed = parseCommandLine(argv);
    if (parsed.kind === 'help') {
      io.stdout(usage(parsed.topic));
      return 0;
    }
    return await dispatch(parsed, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`courier: ${err.message}\nRun courier --help for usage.\n`);
      return 2;
    }
    if (err instanceof CourierApiError) {
      io.stderr(describeApiError(err));
      return 1;
    }
    io.stderr(`courier: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
