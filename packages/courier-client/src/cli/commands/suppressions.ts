/**
 * `courier suppressions list|get|add|delete|clear`: the suppression list (`courier.suppression`).
 */
import type { Suppression } from '../../types.js';
import { UsageError, integerOption, stringOption, type OptionValues } from '../args.js';
import { json, suppressionDetail, suppressionTable } from '../format.js';
import { clientFrom, type CliIo } from '../io.js';

/** Entries `list` shows when `--limit` is not given. */
const DEFAULT_LIST_LIMIT = 100;
const MAX_PAGE_SIZE = 1_000;

/** `suppressions list [--limit n] [--json]`: in address order. */
export async function listSuppressions(values: OptionValues, io: CliIo): Promise<number> {
  const limit = integerOption(values, 'limit', 1, 10_000_000) ?? DEFAULT_LIST_LIMIT;
  const client = clientFrom(values, io);
  const entries: Suppression[] = [];
  let more: boolean;
  let pageToken: string | undefined;
  do {
    const page = await client.listSuppressions({ pageSize: Math.min(limit, MAX_PAGE_SIZE), ...(pageToken === undefined ? {} : { pageToken }) });
    const room = limit - entries.length;
    entries.push(...page.suppressions.slice(0, room));
    pageToken = page.nextPageToken;
    more = page.suppressions.length > room || (entries.length === limit && pageToken !== undefined);
  } while (pageToken !== undefined && entries.length < limit);
  if (values['json'] === true) io.stdout(`${json(entries)}\n`);
  else io.stdout(entries.length === 0 ? 'no suppressed addresses\n' : `${suppressionTable(entries)}\n`);
  if (more) io.stderr(`courier: showing the first ${limit}; there are more (raise --limit)\n`);
  return 0;
}

/** `suppressions get <address>`: when and why it was added. */
export async function getSuppression(values: OptionValues, address: string, io: CliIo): Promise<number> {
  const entry = await clientFrom(values, io).getSuppression(address);
  io.stdout(`${values['json'] === true ? json(entry) : suppressionDetail(entry)}\n`);
  return 0;
}

/** `suppressions add <address> [--note text]`: put an address on the list by hand. */
export async function addSuppression(values: OptionValues, address: string, io: CliIo): Promise<number> {
  const entry = await clientFrom(values, io).addSuppression(address, stringOption(values, 'note'));
  io.stdout(values['json'] === true ? `${json(entry)}\n` : `suppressed ${entry.address}\n`);
  return 0;
}

/** `suppressions delete <address>`: later messages to it are sent again. */
export async function deleteSuppression(values: OptionValues, address: string, io: CliIo): Promise<number> {
  await clientFrom(values, io).deleteSuppression(address);
  io.stdout(values['json'] === true ? `${json({ deleted: 1 })}\n` : `deleted ${address.trim().toLowerCase()} from the suppression list\n`);
  return 0;
}

/** `suppressions clear --yes`: empty the list. */
export async function clearSuppressions(values: OptionValues, io: CliIo): Promise<number> {
  if (values['yes'] !== true) throw new UsageError('suppressions clear deletes every entry; add --yes to confirm');
  const deleted = await clientFrom(values, io).clearSuppressions();
  io.stdout(values['json'] === true ? `${json({ deleted })}\n` : `deleted ${deleted} entr${deleted === 1 ? 'y' : 'ies'}\n`);
  return 0;
}
