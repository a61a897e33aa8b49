/**
 * Command-line parsing with node:util parseArgs: find the command words first
 * (options may come before or after them), then parse strictly with the
 * options that command takes, so a misspelt option is an error, not ignored.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how the CLI was called; exits with status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Options every API command takes. */
const GLOBAL = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec;

/** The commands, their words, their own options and how many positionals follow the words. */
const COMMANDS = {
  'config validate': { options: { config: { type: 'string', short: 'c' }, json: { type: 'boolean' }, help: GLOBAL.help }, args: 0 },
  send: {
    options: {
      ...GLOBAL,
      to: { type: 'string' },
      type: { type: 'string' },
      channel: { type: 'string' },
      template: { type: 'string' },
      data: { type: 'string' },
      subject: { type: 'string' },
      body: { type: 'string' },
      html: { type: 'string' },
      'idempotency-key': { type: 'string' },
      'delay-ms': { type: 'string' },
      'send-at': { type: 'string' },
      priority: { type: 'string' },
      ttl: { type: 'string' },
      'expires-at': { type: 'string' },
    },
    args: 0,
  },
  'messages list': {
    options: { ...GLOBAL, status: { type: 'string' }, recipient: { type: 'string' }, 'template-type': { type: 'string' }, limit: { type: 'string' } },
    args: 0,
  },
  'templates check': { options: { config: { type: 'string', short: 'c' }, format: { type: 'string' }, help: GLOBAL.help }, args: 0 },
  'templates preview': {
    options: {
      config: { type: 'string', short: 'c' },
      data: { type: 'string' },
      channel: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      serve: { type: 'boolean' },
      port: { type: 'string' },
      open: { type: 'boolean' },
      help: GLOBAL.help,
    },
    args: 1,
  },
  'messages get': { options: GLOBAL, args: 1 },
  'messages retry': { options: GLOBAL, args: 1 },
  'messages cancel': { options: GLOBAL, args: 1 },
  'suppressions list': { options: { ...GLOBAL, limit: { type: 'string' } }, args: 0 },
  'suppressions get': { options: GLOBAL, args: 1 },
  'suppressions add': { options: { ...GLOBAL, note: { type: 'string' } }, args: 1 },
  'suppressions delete': { options: GLOBAL, args: 1 },
  'suppressions clear': { options: { ...GLOBAL, yes: { type: 'boolean' } }, args: 0 },
  'webhooks secret': { options: { json: GLOBAL.json, help: GLOBAL.help }, args: 0 },
  'webhooks verify': {
    options: {
      'body-file': { type: 'string' },
      id: { type: 'string' },
      timestamp: { type: 'string' },
      signature: { type: 'string' },
      tolerance: { type: 'string' },
      json: GLOBAL.json,
      help: GLOBAL.help,
    },
    args: 0,
  },
} as const satisfies Record<string, { options: OptionSpec; args: number }>;

/** A command name, e.g. `messages list`. */
export type CommandName = keyof typeof COMMANDS;

/** Parsed option values: strings for valued options, booleans for flags. */
export type OptionValues = Readonly<Record<string, string | boolean | undefined>>;

/** The outcome of parsing. */
export type ParsedCommand =
  | { readonly kind: 'help'; readonly topic: CommandName | undefined }
  | { readonly kind: 'run'; readonly command: CommandName; readonly values: OptionValues; readonly args: readonly string[] };

const ALL_OPTIONS: OptionSpec = Object.assign({}, ...Object.values(COMMANDS).map((c) => c.options)) as OptionSpec;

/**
 * Parse `argv` (without `node` and the script).
 *
 * @throws UsageError for an unknown command, option, missing or extra argument.
 */
export function parseCommandLine(argv: readonly string[]): ParsedCommand {
  // A loose pass only to learn the command words; values of known options are not mistaken for them.
  const loose = parseArgs({ args: [...argv], options: ALL_OPTIONS, strict: false, allowPositionals: true });
  const words = loose.positionals;
  const wantsHelp = loose.values['help'] === true || words[0] === 'help';
  if (words[0] === 'help') words.shift();
  if (words.length === 0) {
    if (wantsHelp) return { kind: 'help', topic: undefined };
    throw new UsageError('no command given');
  }
  const name = ([`${words[0]} ${words[1] ?? ''}`.trim(), words[0]] as string[]).find((n): n is CommandName => n in COMMANDS);
  if (name === undefined) {
    if (wantsHelp) return { kind: 'help', topic: undefined };
    const group = words[0] ?? '';
    const subcommands = Object.keys(COMMANDS)
      .filter((c) => c.startsWith(`${group} `))
      .map((c) => c.slice(group.length + 1));
    if (subcommands.length > 0 && words[1] === undefined) throw new UsageError(`${group} needs a subcommand: ${subcommands.join(', ')}`);
    throw new UsageError(`unknown command "${subcommands.length > 0 ? `${group} ${words[1]}` : group}"`);
  }
  if (wantsHelp) return { kind: 'help', topic: name };
  const spec = COMMANDS[name];
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: spec.options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, '') : String(err));
  }
  const args = parsed.positionals.slice(name.split(' ').length);
  const what = name === 'templates preview' ? 'a template type' : name.startsWith('suppressions ') ? 'an address' : 'a message id';
  if (args.length < spec.args) throw new UsageError(`${name} needs ${spec.args === 1 ? what : `${spec.args} arguments`}`);
  if (args.length > spec.args) throw new UsageError(`unexpected argument "${args[spec.args]}" for ${name}`);
  return { kind: 'run', command: name, values: parsed.values as OptionValues, args };
}

/** A string option's value, or undefined. */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * An integer option within bounds, or undefined when absent.
 *
 * @throws UsageError when it is not an integer in [min, max].
 */
export function integerOption(values: OptionValues, name: string, min: number, max: number): number | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}
