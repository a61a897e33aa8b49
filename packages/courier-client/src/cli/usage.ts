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
  'templates check': `courier templates check [--config <path>] [--format text|json]
  Load and compile every configured template (override folder, courier.templates
  URIs, built-ins) for every type and channel, as the worker does at start-up.
  Errors name the file and line:column. Exit 0 all compile, 1 a template fails,
  2 bad usage or config.`,
  'templates preview': `courier templates preview <template_type> [--data <file.json>] [--channel email|sms] [--to <r>]
             [--out <dir>] [--format text|json] [--serve [--port <n>]] [--open] [--config <path>]
  Render a template type as the worker would, with sample data unless --data is
  given. Prints subject and text; --out writes subject.txt, body.txt, body.html
  (sms.txt for SMS); --serve shows it on http://127.0.0.1:<port>/ (default 4747)
  and reloads when a template file changes; --open also opens a browser.
  Exit 0 rendered, 1 the template failed, 2 bad usage, data or config.`,
  'messages list': `courier messages list [--status <s>] [--recipient <r>] [--template-type <t>] [--limit <n>]
  Newest first; --limit defaults to 100.`,
  'messages get': `courier messages get <id>
  One message with its delivery attempts.`,
  'messages retry': `courier messages retry <id>
  Re-queue an abandoned message.`,
  'messages cancel': `courier messages cancel <id>
  Cancel a message that has not been sent yet.`,
  'suppressions list': `courier suppressions list [--limit <n>]
  The suppression list in address order; --limit defaults to 100.`,
  'suppressions get': `courier suppressions get <address>
  When and why an address was suppressed (exit 1, not_found, when it is not).`,
  'suppressions add': `courier suppressions add <address> [--note <text>]
  Suppress an address by hand: later messages to it are abandoned unsent.`,
  'suppressions delete': `courier suppressions delete <address>
  Take an address off the list: later messages to it are sent again.`,
  'suppressions clear': `courier suppressions clear --yes
  Delete every entry of the suppression list.`,
  'webhooks secret': `courier webhooks secret [--json]
  Print a new random endpoint secret (whsec_...) for webhooks.endpoints[].secret.`,
  'webhooks verify': `courier webhooks verify --body-file <path> --id <webhook-id> --timestamp <webhook-timestamp>
                        --signature <webhook-signature> [--tolerance <seconds>] [--json]
  Check a received delivery event as a receiver would; the secret is read from
  COURIER_WEBHOOK_SECRET. Exit 1 when it does not verify.`,
};

/** Full usage, or one command's. */
export function usage(topic?: CommandName): string {
  if (topic !== undefined)
    return `Usage: ${TOPICS[topic]}\n\n${topic === 'config validate' || topic.startsWith('templates ') || topic.startsWith('webhooks ') ? '' : `${CONNECTION}\n`}`;
  return `Usage: courier <command> [options]

Commands:
${Object.values(TOPICS)
  .map((t) => `  ${t.split('\n')[0]}`)
  .join('\n')}

${CONNECTION}

Exit status: 0 done, 1 the API or network failed (templates: a template failed), 2 bad usage or invalid config.
Run courier <command> --help for details.
`;
}
