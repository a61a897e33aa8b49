/**
 * Human-readable output: tables and detail views. Message fields come from
 * whoever enqueued them, so control and bidi characters are neutralised before
 * they reach a terminal.
 */
import type { Message, MessageSummary, Suppression } from '../types.js';

// C0/C1 controls (escape sequences) and Unicode bidi overrides, which could rewrite what a terminal shows.
const UNSAFE = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/** Make untrusted text safe to print on one terminal line. */
export function safeText(value: string): string {
  return value.replace(UNSAFE, '?');
}

function truncate(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

/** A plain left-aligned table with a header row. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** What a listed message is about: its template type; lists carry no content (a subject may hold a code). */
function summaryContent(m: MessageSummary): string {
  return m.template_type ?? '(raw)';
}

function characters(text: string): string {
  return `${text.length} character${text.length === 1 ? '' : 's'}`;
}

/** The `messages list` table. */
export function messageTable(messages: readonly MessageSummary[]): string {
  return table(
    ['ID', 'STATUS', 'TYPE', 'RECIPIENT', 'CONTENT', 'SENDS', 'CREATED'],
    messages.map((m) => [m.id, m.status, m.type, truncate(safeText(m.recipient), 40), summaryContent(m), String(m.send_count), m.created_at]),
  );
}

/**
 * The `messages get` view. Template data is listed by field name only: values
 * are often one-time codes, which `--json` shows to those who ask for them.
 */
export function messageDetail(m: Message): string {
  const rows: [string, string][] = [
    ['id', m.id],
    ['status', m.status],
    ['type', m.channel === m.type ? m.type : `${m.type} (channel ${safeText(m.channel)})`],
    ['recipient', safeText(m.recipient)],
  ];
  if (m.template_type !== undefined) rows.push(['template', m.template_type]);
  if (m.template_data !== undefined) rows.push(['template data', Object.keys(m.template_data).map(safeText).join(', ') || '-']);
  if (m.subject !== undefined) rows.push(['subject', safeText(m.subject)]);
  if (m.body !== undefined) rows.push(['body', characters(m.body)]);
  if (m.html_body !== undefined) rows.push(['html body', characters(m.html_body)]);
  rows.push(['send count', String(m.send_count)], ['created', m.created_at], ['updated', m.updated_at]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  const lines = rows.map(([k, v]) => `${`${k}:`.padEnd(width)}  ${v}`);
  if (m.dispatches.length === 0) {
    lines.push('dispatches: none');
  } else {
    lines.push('dispatches:');
    // A channel with fallbacks records which channel each attempt used: shown as a column then.
    const routed = m.dispatches.some((d) => d.channel !== undefined);
    const dispatchRows = m.dispatches.map((d) => [
      d.at,
      d.status,
      ...(routed ? [channelCell(d)] : []),
      d.error?.code ?? '',
      d.error === undefined ? '' : safeText(d.error.message),
    ]);
    lines.push(
      ...table(['AT', 'STATUS', ...(routed ? ['CHANNEL'] : []), 'CODE', 'ERROR'], dispatchRows)
        .split('\n')
        .map((l) => `  ${l}`),
    );
  }
  return lines.join('\n');
}

/** The channel a dispatch used, after the ones that failed before it: `backup (after email SMTP_TRANSIENT)`. */
function channelCell(d: Message['dispatches'][number]): string {
  const used = safeText(d.channel ?? '');
  const failed = d.failed_channels ?? [];
  return failed.length === 0 ? used : `${used} (after ${failed.map((f) => `${safeText(f.channel)} ${safeText(f.code)}`).join(', ')})`;
}

/** The `suppressions list` table. */
export function suppressionTable(entries: readonly Suppression[]): string {
  return table(
    ['ADDRESS', 'CODE', 'SOURCE', 'CHANNEL', 'ADDED', 'EXPIRES'],
    entries.map((e) => [truncate(safeText(e.address), 60), safeText(e.code), e.source, safeText(e.channel ?? '-'), e.added_at, e.expires_at ?? 'never']),
  );
}

/** The `suppressions get` view. */
export function suppressionDetail(e: Suppression): string {
  const rows: [string, string][] = [
    ['address', safeText(e.address)],
    ['source', e.source],
    ['code', safeText(e.code)],
    ['detail', safeText(e.detail) || '-'],
  ];
  if (e.channel !== undefined) rows.push(['channel', safeText(e.channel)]);
  if (e.message_id !== undefined) rows.push(['message', safeText(e.message_id)]);
  if (e.template_type !== undefined) rows.push(['template', safeText(e.template_type)]);
  rows.push(['added', e.added_at], ['expires', e.expires_at ?? 'never']);
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width)}  ${v}`).join('\n');
}

/** JSON for `--json`: pretty, one document, trailing newline added by the caller. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
