/**
 * The typed client of Courier's producer API. Messages travel in the API's own
 * field names (`recipient`, `template_type`, ...); options are camelCase.
 */
import type { NewMessage } from '@courier/core';
import { createTransport } from './transport.js';
import type {
  BatchMessage,
  Message,
  MessageSummary,
  CourierClient,
  CourierClientOptions,
  EnqueuedMessage,
  ListFilter,
  MessagePage,
  Schedule,
  SendResult,
  StatusChange,
  Suppression,
  SuppressionListOptions,
  SuppressionPage,
} from './types.js';

const DEFAULT_TIMEOUT_MS = 10_000;

/** A header value fetch accepts; checked up front because fetch's own error would quote the value. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;

function scheduleFields(schedule: Schedule): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (schedule.sendAt !== undefined) {
    fields['send_at'] = schedule.sendAt instanceof Date ? schedule.sendAt.toISOString() : schedule.sendAt;
  }
  if (schedule.delayMs !== undefined) fields['delay_ms'] = schedule.delayMs;
  if (schedule.priority !== undefined) fields['priority'] = schedule.priority;
  if (schedule.expiresAt !== undefined) {
    fields['expires_at'] = schedule.expiresAt instanceof Date ? schedule.expiresAt.toISOString() : schedule.expiresAt;
  }
  if (schedule.ttlSeconds !== undefined) fields['ttl_seconds'] = schedule.ttlSeconds;
  return fields;
}

function idempotencyHeader(key: string | undefined): Record<string, string> {
  return key === undefined ? {} : { 'idempotency-key': key };
}

function listQuery(filter: ListFilter): string {
  const params = new URLSearchParams();
  if (filter.status !== undefined) params.set('status', filter.status);
  if (filter.recipient !== undefined) params.set('recipient', filter.recipient);
  if (filter.templateType !== undefined) params.set('template_type', filter.templateType);
  if (filter.pageSize !== undefined) params.set('page_size', String(filter.pageSize));
  if (filter.pageToken !== undefined) params.set('page_token', filter.pageToken);
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}

function messagePath(id: string): string {
  return `/messages/${encodeURIComponent(id)}`;
}

function suppressionPath(address: string): string {
  return `/suppressions/${encodeURIComponent(address)}`;
}

function suppressionQuery(options: SuppressionListOptions): string {
  const params = new URLSearchParams();
  if (options.pageSize !== undefined) params.set('page_size', String(options.pageSize));
  if (options.pageToken !== undefined) params.set('page_token', options.pageToken);
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}

/**
 * Create a client for one producer.
 *
 * @throws TypeError for a base URL that is not http(s), holds credentials, or an
 *   API key that cannot be sent as a header (without quoting the key).
 */
export function createCourierClient(options: CourierClientOptions): CourierClient {
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch {
    throw new TypeError('baseUrl must be an absolute http:// or https:// URL');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError('baseUrl must be an absolute http:// or https:// URL');
  if (base.username !== '' || base.password !== '') throw new TypeError('baseUrl must not hold credentials; pass apiKey instead');
  if (typeof options.apiKey !== 'string' || !HEADER_SAFE.test(options.apiKey)) {
    throw new TypeError('apiKey must be a non-empty string of visible ASCII characters');
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError('timeoutMs must be a positive number');
  const request = createTransport({
    baseUrl: base.href,
    apiKey: options.apiKey,
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs,
  });

  const list = async (filter: ListFilter = {}): Promise<MessagePage> => {
    const res = await request<{ messages: MessageSummary[]; next_page_token?: string }>({ method: 'GET', path: `/messages${listQuery(filter)}` });
    const { messages, next_page_token } = res.body;
    return next_page_token === undefined ? { messages } : { messages, nextPageToken: next_page_token };
  };

  return {
    async send(message: NewMessage, opts = {}) {
      const res = await request<EnqueuedMessage>({
        method: 'POST',
        path: '/messages',
        body: { ...message, ...scheduleFields(opts) },
        headers: idempotencyHeader(opts.idempotencyKey),
      });
      return { id: res.body.id, status: res.body.status, replayed: res.headers.get('idempotent-replayed') === 'true' } satisfies SendResult;
    },

    async sendBatch(messages: readonly BatchMessage[], opts = {}) {
      const res = await request<{ messages: EnqueuedMessage[] }>({
        method: 'POST',
        path: '/messages/batch',
        body: { messages },
        headers: idempotencyHeader(opts.idempotencyKey),
      });
      return { messages: res.body.messages, replayed: res.headers.get('idempotent-replayed') === 'true' };
    },

    async get(id) {
      return (await request<Message>({ method: 'GET', path: messagePath(id) })).body;
    },

    list,

    async *listAll(filter: ListFilter = {}) {
      let pageToken = filter.pageToken;
      do {
        const page = await list({ ...filter, ...(pageToken === undefined ? {} : { pageToken }) });
        yield* page.messages;
        pageToken = page.nextPageToken;
      } while (pageToken !== undefined);
    },

    async retry(id) {
      return (await request<StatusChange<'queued'>>({ method: 'POST', path: `${messagePath(id)}/retry` })).body;
    },

    async cancel(id) {
      return (await request<StatusChange<'cancelled'>>({ method: 'DELETE', path: messagePath(id) })).body;
    },

    async listSuppressions(options = {}) {
      const res = await request<{ suppressions: Suppression[]; next_page_token?: string }>({ method: 'GET', path: `/suppressions${suppressionQuery(options)}` });
      const { suppressions, next_page_token } = res.body;
      return next_page_token === undefined ? { suppressions } : ({ suppressions, nextPageToken: next_page_token } satisfies SuppressionPage);
    },

    async getSuppression(address) {
      return (await request<Suppression>({ method: 'GET', path: suppressionPath(address) })).body;
    },

    async addSuppression(address, note) {
      return (await request<Suppression>({ method: 'POST', path: '/suppressions', body: note === undefined ? { address } : { address, note } })).body;
    },

    async deleteSuppression(address) {
      await request({ method: 'DELETE', path: suppressionPath(address) });
    },

    async clearSuppressions() {
      return (await request<{ deleted: number }>({ method: 'DELETE', path: '/suppressions?all=true' })).body.deleted;
    },
  };
}
