/**
 * `courier messages list|get|retry|cancel`.
 */
import type { MessageStatus, MessageSummary, TemplateType } from '../../types.js';
import { integerOption, stringOption, type OptionValues } from '../args.js';
import { json, messageDetail, messageTable } from '../format.js';
import { clientFrom, type CliIo } from '../io.js';

/** Messages `list` shows when `--limit` is not given. */
const DEFAULT_LIST_LIMIT = 100;
const MAX_PAGE_SIZE = 1_000;

/** `messages list [--status s] [--recipient r] [--template-type t] [--limit n] [--json]`: newest first. */
export async function listMessages(values: OptionValues, io: CliIo): Promise<number> {
  const limit = integerOption(values, 'limit', 1, 1_000_000) ?? DEFAULT_LIST_LIMIT;
  const client = clientFrom(values, io);
  const status = stringOption(values, 'status');
  const recipient = stringOption(values, 'recipient');
  const templateType = stringOption(values, 'template-type');
  // Unknown status or template names are left for the server to reject, so its list stays the one truth.
  const filter = {
    ...(status === undefined ? {} : { status: status as MessageStatus }),
    ...(recipient === undefined ? {} : { recipient }),
    ...(templateType === undefined ? {} : { templateType: templateType as TemplateType }),
    pageSize: Math.min(limit, MAX_PAGE_SIZE),
  };
  const messages: MessageSummary[] = [];
  let more: boolean;
  let pageToken: string | undefined;
  do {
    const page = await client.list({ ...filter, ...(pageToken === undefined ? {} : { pageToken }) });
    const room = limit - messages.length;
    messages.push(...page.messages.slice(0, room));
    pageToken = page.nextPageToken;
    more = page.messages.length > room || (messages.length === limit && pageToken !== undefined);
  } while (pageToken !== undefined && messages.length < limit);

  if (values['json'] === true) {
    io.stdout(`${json(messages)}\n`);
  } else {
    io.stdout(messages.length === 0 ? 'no messages\n' : `${messageTable(messages)}\n`);
  }
  if (more) io.stderr(`courier: showing the newest ${limit}; more match (raise --limit)\n`);
  return 0;
}

/** `messages get <id>`: one message with its dispatches. */
export async function getMessage(values: OptionValues, id: string, io: CliIo): Promise<number> {
  const message = await clientFrom(values, io).get(id);
  io.stdout(`${values['json'] === true ? json(message) : messageDetail(message)}\n`);
  return 0;
}

/** `messages retry <id>`: re-queue an abandoned message. */
export async function retryMessage(values: OptionValues, id: string, io: CliIo): Promise<number> {
  const answer = await clientFrom(values, io).retry(id);
  io.stdout(values['json'] === true ? `${json(answer)}\n` : `queued ${answer.id} for another attempt\n`);
  return 0;
}

/** `messages cancel <id>`: cancel a message not yet sent. */
export async function cancelMessage(values: OptionValues, id: string, io: CliIo): Promise<number> {
  const answer = await clientFrom(values, io).cancel(id);
  io.stdout(values['json'] === true ? `${json(answer)}\n` : `cancelled ${answer.id}\n`);
  return 0;
}
