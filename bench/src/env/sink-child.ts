/**
 * A sink in its own process, so accepting messages does not take CPU from the
 * process that measures. Runs the testkit's SMTP sink (no TLS, no parsing) or
 * HTTP sink on 127.0.0.1 and a free port; every few milliseconds it folds what
 * was accepted into counters and empties the sink's lists, so memory stays flat
 * however many messages pass. Recipients that start with the tracked prefix keep
 * their acceptance time, for latency measurements.
 *
 * smtp-server waits 100 ms before greeting every new connection, to catch
 * clients that talk too early; Postfix's smtp-sink (and Postfix's smtpd without
 * postscreen) greets at once. A pooled client opens a new connection every 100
 * messages, so that wait would show as a 100 ms spike on every hundredth message
 * of every system measured. The sink here greets at once, like smtp-sink.
 *
 * Usage (forked with an IPC channel): `sink-child.ts smtp|http`.
 */
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { startHttpSink, startSmtpSink } from '@courier/testkit';
import type { SinkKind, SinkReply, SinkRequest } from './sink-protocol.js';

const FOLD_INTERVAL_MS = 5;

interface Accepted {
  readonly recipient: string;
  readonly bytes: number;
  readonly at: number;
}

const kind = process.argv[2] as SinkKind | undefined;
if (kind !== 'smtp' && kind !== 'http') {
  process.stderr.write('usage: sink-child.ts smtp|http\n');
  process.exit(2);
}
if (process.send === undefined) {
  process.stderr.write('sink-child.ts must be started with an IPC channel (fork)\n');
  process.exit(2);
}
const send = (reply: SinkReply): void => {
  process.send?.(reply);
};

let count = 0;
let bytes = 0;
let firstAt = 0;
let lastAt = 0;
let duplicates = 0;
let trackPrefix: string | undefined;
let tracked: [string, number][] = [];
let seen = new Set<string>();

function fold(items: readonly Accepted[]): void {
  for (const item of items) {
    count++;
    bytes += item.bytes;
    if (firstAt === 0) firstAt = item.at;
    lastAt = item.at;
    if (seen.has(item.recipient)) duplicates++;
    else seen.add(item.recipient);
    if (trackPrefix !== undefined && item.recipient.startsWith(trackPrefix)) tracked.push([item.recipient, item.at]);
  }
}

let drain: () => Accepted[];
let close: () => Promise<void>;
let port: number;
let impl: string;

if (kind === 'smtp') {
  // Same module instance as the testkit's (one smtp-server in the store), so this reaches its connections.
  SMTPConnection.prototype.init = function init(this: SMTPConnection): void {
    this._setListeners(() => this.connectionReady());
  };
  const sink = await startSmtpSink({ tls: 'none', parse: false });
  drain = () => {
    const items = sink.received.splice(0).map((m) => ({ recipient: m.envelope.to[0] ?? '', bytes: m.raw.length, at: m.receivedAt }));
    return items;
  };
  close = () => sink.close();
  port = sink.port;
  impl = 'testkit smtp-server sink (parse off, greets at once, own process)';
} else {
  const sink = await startHttpSink();
  drain = () => {
    const items = sink.requests.map((r) => ({
      recipient: r.headers['x-bench-recipient']?.toString() ?? recipientOf(r.body),
      bytes: r.body.length,
      at: r.receivedAt.getTime(),
    }));
    sink.reset();
    return items;
  };
  close = () => sink.close();
  port = sink.port;
  impl = 'testkit node:http sink (own process)';
}

/** Both Courier's Jsonnet body and the baseline's JSON carry the recipient as `to`. */
function recipientOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { to?: unknown };
    return typeof parsed.to === 'string' ? parsed.to : '';
  } catch {
    return '';
  }
}

const timer = setInterval(() => fold(drain()), FOLD_INTERVAL_MS);

process.on('message', (msg: SinkRequest) => {
  fold(drain());
  switch (msg.op) {
    case 'reset':
      count = 0;
      bytes = 0;
      firstAt = 0;
      lastAt = 0;
      duplicates = 0;
      tracked = [];
      seen = new Set();
      trackPrefix = msg.trackPrefix;
      send({ op: 'ok', seq: msg.seq });
      break;
    case 'stats':
      send({ op: 'stats', seq: msg.seq, stats: { count, bytes, firstAt, lastAt, duplicates } });
      break;
    case 'tracked':
      send({ op: 'tracked', seq: msg.seq, accepted: tracked });
      break;
  }
});

// The parent going away (crash, Ctrl-C) must not leave this process behind.
process.on('disconnect', () => {
  clearInterval(timer);
  void close().finally(() => process.exit(0));
});

send({ op: 'ready', port, impl });
