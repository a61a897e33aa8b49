/**
 * Help text of the `courier` CLI.
 */
import type { CommandName } from './args.js';

const CONNECTION = `Connection (API commands):
  --url <url>          producer URL (env COURIER_URL; default http://127.0.0.1:4000)
  --api-key <key>      API key (env COURIER_API_KEY; prefer the variable: arguments show in ps)
  --json               machine-readable output`;

const TOPICS: Record<CommandName, string> = {
  'config validate': `courier config validate [--config <path>] [--json]
  Load the configuration as the apps do (the file, default $COURIER_CONFIG, then
  environment overrides) and print a summary without secrets. Exit 2 if invalid.`,
  send: `courier send --to <recipient> (--template <type> [--data '<json>'] | [--subject <s>] --body <b> [--html <h>])
             [--type email|sms] [--channel <id>] [--idempotency-key <k>]
             [--delay-ms <n> | --send-at <iso-date>] [--priority <n>]
             [--ttl <seconds> | --expires-at <iso-date>]
  Enqueue one message; prints its id. Past --ttl/--expires-at it is never sent.`,
  'messages list': `courier messages list [--status <s>] [--recipient <r>] [--template-type <t>] [--limit <n>]
  Newest first; --limit defaults to 100.`,
  'messages get': `courier messages get <id>
  One message with its delivery attempts.`,
  'messages retry': `courier messages retry <id>
  Re-queue an abandoned message.`,
  'messages cancel': `courier messages cancel <id>
  Cancel a message that has not been sent yet.`,
  'webhooks secret': `courier webhooks secret [--json]
  Print a new random endpoint secret (whsec_...) for webhooks.endpoints[].secret.`,
  'webhooks verify': `courier webhooks verify --body-file <path> --id <webhook-id> --timestamp <webhook-timestamp>
                        --signature <webhook-signature> [--tolerance <seconds>] [--json]
  Check a received delivery event as a receiver would; the secret is read from
  COURIER_WEBHOOK_SECRET. Exit 1 when it does not verify.`,
};

/** Full usage, or one command's. */
export function usage(topic?: CommandName): string {
  if (topic !== undefined) return `Usage: ${TOPICS[topic]}\n\n${topic === 'config validate' || topic.startsWith('webhooks ') ? '' : `${CONNECTION}\n`}`;
  return `Usage: courier <command> [options]

Commands:
${Object.values(TOPICS)
  .map((t) => `  ${t.split('\n')[0]}`)
  .join('\n')}

${CONNECTION}

Exit status: 0 done, 1 the API or network failed, 2 bad usage or invalid config.
Run courier <command> --help for details.
`;
}
