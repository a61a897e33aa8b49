/**
 * Courier's MIME writer: the structure and limits of what it writes, checked on the
 * bytes, and round trips through nodemailer's SMTP client (which dot-stuffs `raw`) into
 * @courier/testkit's SMTP sink, which parses every message with mailparser.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createTransport, type Transporter } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '@courier/testkit';
import {
  buildMimeMessage,
  COURIER_MESSAGE_ID_HEADER,
  createMimeWriter,
  headerNameProblem,
  MimeInputError,
  type MimeMessage,
  type MimeMessageContent,
  type MimeWriterOptions,
} from '../src/delivery/mime.js';

/** mailparser's result; core does not depend on mailparser, so the type comes through the sink. */
type ParsedMail = NonNullable<ReceivedMail['parsed']>;

const FROM = { address: 'courier@example.test' } as const;

let sink: SmtpSink;
let transport: Transporter;
/** Every byte the SMTP client wrote, seen by a TCP relay between client and sink. */
let wire = '';
let relay: Server;
const relaySockets = new Set<Socket>();

beforeAll(async () => {
  sink = await startSmtpSink({ tls: 'none' });
  relay = createServer((client) => {
    const upstream = connect(sink.port, sink.host);
    relaySockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => (wire += chunk.toString('latin1')));
    client.pipe(upstream).pipe(client);
    for (const s of [client, upstream]) s.on('error', () => undefined);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((done) => relay.listen(0, '127.0.0.1', done));
  const address = relay.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  transport = createTransport({ host: '127.0.0.1', port: address.port, secure: false, ignoreTLS: true, pool: true, maxConnections: 1 });
});

afterAll(async () => {
  transport.close();
  for (const s of relaySockets) s.destroy();
  await new Promise<void>((done) => relay.close(() => done()));
  await sink.close();
});

function build(content: Partial<MimeMessageContent> = {}, options: Partial<MimeWriterOptions> = {}): MimeMessage {
  return buildMimeMessage({ from: FROM, to: 'alice@example.test', subject: 'Hello', text: 'Hi', courierMessageId: 'msg-1', ...options, ...content });
}

/** Send the built message as nodemailer `raw` and return what the sink parsed. */
async function roundTrip(message: MimeMessage): Promise<{ mail: ReceivedMail; parsed: ParsedMail }> {
  const before = sink.count();
  await transport.sendMail({ envelope: message.envelope, raw: message.raw, messageId: message.messageId });
  const mail = (await sink.waitFor(before + 1))[before];
  if (mail?.parsed === undefined) throw new Error('expected a parsed message');
  return { mail, parsed: mail.parsed };
}

function textOf(raw: Buffer): string {
  return raw.toString('utf8');
}

function headerBlock(raw: Buffer): string {
  const s = textOf(raw);
  return s.slice(0, s.indexOf('\r\n\r\n'));
}

/** The header block unfolded into `name: value` fields. */
function headerFields(raw: Buffer): string[] {
  return headerBlock(raw).split(/\r\n(?![ \t])/);
}

function headerNames(raw: Buffer): string[] {
  return headerFields(raw).map((field) => field.slice(0, field.indexOf(':')));
}

/** Every structural invariant of a written message. */
function expectWellFormed(message: MimeMessage): void {
  const raw = message.raw;
  const s = textOf(raw);
  // CRLF only: no bare CR or LF anywhere.
  expect(s.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  expect(s).not.toContain('\0');
  for (const line of s.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(998);
  // Header block: every line is a `name: value` field or a folded continuation that is not blank.
  for (const line of headerBlock(raw).split('\r\n')) {
    if (/^[ \t]/.test(line)) expect(line.trim()).not.toBe('');
    // A long name may stand alone on its line, the value folded onto the next ones.
    else expect(line).toMatch(/^[\x21-\x39\x3b-\x7e]+:( |$)/);
  }
  expect(headerNames(raw).filter((n) => n.toLowerCase() === COURIER_MESSAGE_ID_HEADER.toLowerCase())).toHaveLength(1);
  // Encoded bodies: quoted-printable and base64 lines are at most 76 characters.
  const parts = s
    .split(/\r\n\r\n/)
    .slice(1)
    .join('\r\n\r\n');
  for (const line of parts.split('\r\n')) {
    if (line.startsWith('--=_courier_') || line.startsWith('Content-') || line.startsWith(' boundary=')) continue;
    expect(line.length, line).toBeLessThanOrEqual(76);
  }
}

/**
 * RFC 2047 decoding of UTF-8 encoded-words, for headers mailparser leaves encoded
 * (it decodes Subject and addresses, not extension headers).
 */
function decodeWords(value: string): string {
  return value.replace(/(\?=)\s+(?==\?)/g, '$1').replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_w, enc: string, data: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(data, 'base64').toString('utf8')
      : Buffer.from(
          data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
          'latin1',
        ).toString('utf8'),
  );
}

/** A deterministic pseudo-random generator (mulberry32), so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  ' ',
  '  ',
  '\t',
  '.',
  '..',
  '=',
  '=?',
  '?=',
  '_',
  '"',
  'é',
  'Zoë',
  '你好',
  '🎉',
  '👩‍👩‍👧',
  'e\u0301',
  '\n',
  '\n.\n',
  '\r\n',
  'word',
  'x'.repeat(90),
  'ab '.repeat(30),
  '-',
  '--=_courier_',
];

function randomText(next: () => number, maxPieces: number): string {
  let s = '';
  const n = Math.floor(next() * maxPieces);
  for (let i = 0; i < n; i += 1) s += PIECES[Math.floor(next() * PIECES.length)]!;
  return s;
}

describe('buildMimeMessage: structure', () => {
  it('writes the fixed headers in order, a text/plain quoted-printable body, CRLF line endings', () => {
    const date = new Date(Date.UTC(2024, 1, 29, 13, 5, 9));
    const m = build({ subject: 'Your code', text: 'Your code is 123456.\nIt expires in 15 minutes.', date, courierMessageId: 'id-42' });

    expectWellFormed(m);
    expect(headerNames(m.raw)).toEqual(['From', 'To', 'Subject', 'Date', 'Message-ID', COURIER_MESSAGE_ID_HEADER, 'MIME-Version', 'Content-Type', 'Content-Transfer-Encoding']);
    const fields = headerFields(m.raw);
    expect(fields).toContain('From: courier@example.test');
    expect(fields).toContain('To: alice@example.test');
    expect(fields).toContain('Date: Thu, 29 Feb 2024 13:05:09 +0000');
    expect(fields).toContain(`Message-ID: ${m.messageId}`);
    expect(fields).toContain(`${COURIER_MESSAGE_ID_HEADER}: id-42`);
    expect(fields).toContain('MIME-Version: 1.0');
    expect(fields).toContain('Content-Type: text/plain; charset=utf-8');
    expect(fields).toContain('Content-Transfer-Encoding: quoted-printable');
    expect(textOf(m.raw).endsWith('\r\n\r\nYour code is 123456.\r\nIt expires in 15 minutes.\r\n')).toBe(true);
    expect(m.envelope).toEqual({ from: 'courier@example.test', to: ['alice@example.test'] });
  });

  it("derives the Message-ID from the courier message id (the same on every attempt), on the from address's domain or messageIdDomain", () => {
    const writer = createMimeWriter({ from: { address: 'bot@Mail.Example.test' } });
    const id = '01890a5d-ac96-774b-bcce-b302099a8057';
    const first = writer.build({ to: 'a@example.test', text: 'one', courierMessageId: id });
    const again = writer.build({ to: 'a@example.test', text: 'two', courierMessageId: id, date: new Date(0) });
    expect(first.messageId).toBe(`<${id}@mail.example.test>`);
    expect(again.messageId).toBe(first.messageId);
    expect(textOf(again.raw)).toContain(`\r\nMessage-ID: <${id}@mail.example.test>\r\n`);
    expect(writer.build({ to: 'a@example.test', text: '', courierMessageId: 'other-1' }).messageId).toBe('<other-1@mail.example.test>');
    expect(build({}, { messageIdDomain: 'ids.courier.test' }).messageId).toMatch(/@ids\.courier\.test>$/);
  });

  it('draws a unique random Message-ID for an id that cannot stand in one', () => {
    const writer = createMimeWriter({ from: { address: 'bot@example.test' } });
    for (const bad of ['a b', 'x@y', '<x>', '-lead', '', 'x'.repeat(200)]) {
      const ids = Array.from({ length: 20 }, () => writer.build({ to: 'a@example.test', text: '', courierMessageId: bad }).messageId);
      expect(new Set(ids).size).toBe(20);
      for (const m of ids) expect(m).toMatch(/^<[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}@example\.test>$/);
    }
  });

  it('omits Subject when it is empty or blank, and writes text/plain only for an empty html', () => {
    const m = build({ subject: '  ', html: '' });
    expectWellFormed(m);
    expect(headerNames(m.raw)).not.toContain('Subject');
    expect(headerFields(m.raw)).toContain('Content-Type: text/plain; charset=utf-8');
  });

  it('writes Date in RFC 5322 form for now when no date is given', () => {
    const field = headerFields(build().raw).find((f) => f.startsWith('Date: '));
    expect(field).toMatch(/^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(Date.parse(field!.slice(6)) - Date.now())).toBeLessThan(5_000);
  });

  it("uses base64 for a body that is mostly not Latin, quoted-printable otherwise (nodemailer's choice)", () => {
    const cjk = build({ text: '你好，世界。这是一封验证邮件。'.repeat(10) });
    expect(headerFields(cjk.raw)).toContain('Content-Transfer-Encoding: base64');
    expectWellFormed(cjk);
    const latin = build({ text: 'Grüße aus Zürich, schöne Tage! '.repeat(10) });
    expect(headerFields(latin.raw)).toContain('Content-Transfer-Encoding: quoted-printable');
    expectWellFormed(latin);
  });

  it('rejects a recipient or from address that is not one plain address', () => {
    for (const to of ['alice@example.test\r\nBcc: evil@example.test', 'Alice <alice@example.test>', 'a@example.test, b@example.test', 'no-at-sign', 'a b@example.test', '']) {
      expect(() => build({ to }), JSON.stringify(to)).toThrow(MimeInputError);
    }
    expect(() => build({}, { from: { address: 'x@example.test\r\nX-Evil: 1' } })).toThrow(MimeInputError);
  });

  it('punycodes an internationalised recipient domain', () => {
    const m = build({ to: 'safe@jõgeva.ee' });
    expect(headerFields(m.raw)).toContain('To: safe@xn--jgeva-dua.ee');
    expect(m.envelope.to).toEqual(['safe@xn--jgeva-dua.ee']);
  });
});

describe('buildMimeMessage: headers', () => {
  it('folds a long ASCII subject and one long unbreakable word into lines of at most 78 characters', async () => {
    const spaced = 'Please verify your e-mail address for the Courier account you created today, it takes a minute';
    const unbroken = `https://example.test/verify?token=${'A1b2C3d4'.repeat(40)}`;
    for (const subject of [spaced, unbroken, `${unbroken} and ${spaced}`]) {
      const m = build({ subject });
      expectWellFormed(m);
      for (const line of headerBlock(m.raw).split('\r\n')) expect(line.length, line).toBeLessThanOrEqual(78);
      expect((await roundTrip(m)).parsed.subject).toBe(subject);
    }
  });

  it('encodes non-ASCII and encoded-word look-alikes in the subject, and they round-trip exactly', async () => {
    for (const subject of ['Grüße 🎉 — ñandú, e\u0301 & 你好 👩‍👩‍👧‍👦', '=?UTF-8?Q?not_an_encoded_word?=', 'Quote "this" \\ and tab\there', '你好'.repeat(60)]) {
      const m = build({ subject });
      expectWellFormed(m);
      for (const line of headerBlock(m.raw).split('\r\n')) expect(line.length, line).toBeLessThanOrEqual(78);
      expect((await roundTrip(m)).parsed.subject).toBe(subject);
    }
  });

  it('writes a display name as an atom, a quoted string or encoded-words', async () => {
    for (const name of ['Courier Bot', 'Courier, Inc. "QA" \\ team', 'Zoë Bøt 🎉', 'x'.repeat(120)]) {
      const m = build({}, { from: { name, address: 'bot@courier.test' } });
      expectWellFormed(m);
      const { parsed } = await roundTrip(m);
      expect(parsed.from?.value).toEqual([{ name, address: 'bot@courier.test' }]);
    }
  });

  it('writes configured headers after the fixed ones and before X-Courier-Message-Id, encoding non-ASCII values', async () => {
    const long = `tenant ${'acme-corporation '.repeat(10)}end`;
    const m = build({}, { headers: { 'X-Tenant': 'acme', 'X-Unicode': 'acmé ünïcode 你好', 'X-Long': long, 'X-Empty': '  ' } });
    expectWellFormed(m);
    const names = headerNames(m.raw);
    expect(names.slice(names.indexOf('Message-ID') + 1, names.indexOf(COURIER_MESSAGE_ID_HEADER))).toEqual(['X-Tenant', 'X-Unicode', 'X-Long']);
    for (const line of headerBlock(m.raw).split('\r\n')) expect(line.length, line).toBeLessThanOrEqual(78);
    expect(headerBlock(m.raw)).not.toMatch(/[^\x00-\x7f]/);

    const { parsed } = await roundTrip(m);
    expect(parsed.headers.get('x-tenant')).toBe('acme');
    expect(decodeWords(parsed.headers.get('x-unicode') as string)).toBe('acmé ünïcode 你好');
    expect(decodeWords(parsed.headers.get('x-long') as string)).toBe(long);
    expect(parsed.headers.has('x-empty')).toBe(false);
  });

  it('ignores configured headers that the writer sets itself: they can neither shadow nor duplicate them', async () => {
    const m = build(
      { subject: 'Real subject', courierMessageId: 'real-id' },
      {
        headers: {
          'x-courier-message-id': 'spoofed',
          'X-Courier-Message-Id': 'spoofed',
          Subject: 'spoofed',
          From: 'spoofed@evil.test',
          To: 'spoofed@evil.test',
          'Message-ID': '<spoofed@evil.test>',
          'Content-Type': 'text/html',
          'Content-Transfer-Encoding': '8bit',
          'MIME-Version': '2.0',
          Date: 'yesterday',
        },
      },
    );
    expectWellFormed(m);
    const lower = headerNames(m.raw).map((n) => n.toLowerCase());
    expect(new Set(lower).size).toBe(lower.length);
    expect(textOf(m.raw)).not.toContain('spoofed');
    const { parsed } = await roundTrip(m);
    expect(parsed.headers.get('x-courier-message-id')).toBe('real-id');
    expect(parsed.subject).toBe('Real subject');
  });

  it('writes Reply-To and Cc as addresses; Cc and Bcc add envelope recipients and Bcc is not written', async () => {
    const m = build({}, { headers: { 'Reply-To': '"Support, EU" <support@example.test>', Cc: 'copy@example.test', Bcc: 'Archive <archive@example.test>' } });
    expectWellFormed(m);
    expect(m.envelope.to).toEqual(['alice@example.test', 'copy@example.test', 'archive@example.test']);
    expect(headerNames(m.raw).map((n) => n.toLowerCase())).not.toContain('bcc');
    const { mail, parsed } = await roundTrip(m);
    expect(parsed.replyTo?.value).toEqual([{ name: 'Support, EU', address: 'support@example.test' }]);
    expect(parsed.cc).toMatchObject({ value: [{ address: 'copy@example.test' }] });
    expect(mail.envelope.to).toEqual(['alice@example.test', 'copy@example.test', 'archive@example.test']);
    expect(mail.raw).not.toContain('archive@');
  });

  it('validates configured header names', () => {
    for (const name of ['X Bad', 'X-Bad:', 'X-Bäd', 'X-Bad\r\nX-Evil', '', 'X'.repeat(77)]) {
      expect(headerNameProblem(name), JSON.stringify(name)).toBeDefined();
      expect(() => build({}, { headers: { [name]: 'v' } })).toThrow(MimeInputError);
    }
    for (const name of ['X-Tenant', 'x_custom.header!', 'X'.repeat(76)]) expect(headerNameProblem(name)).toBeUndefined();
  });

  it('keeps a long configured header name within 998 octets, and within 78 characters up to 50', () => {
    const value = `${'wörd '.repeat(40)}end`;
    const m50 = build({}, { headers: { [`X-${'n'.repeat(48)}`]: value } });
    expectWellFormed(m50);
    for (const line of headerBlock(m50.raw).split('\r\n')) expect(line.length, line).toBeLessThanOrEqual(78);
    expectWellFormed(build({}, { headers: { [`X-${'n'.repeat(74)}`]: value } }));
  });
});

describe('buildMimeMessage: no header injection', () => {
  const attempts = [
    'Hi\r\nBcc: evil@example.test',
    'Hi\nX-Evil: 1',
    'Hi\rX-Evil: 1',
    'Hi\r\n\r\n<h1>body now</h1>',
    'Hi\u0000X-Evil: 1',
    'Hi\r\n X-Evil-Folded: 1',
    '\r\nX-Evil: 1',
    'Grüße\r\nX-Evil: 1',
  ];

  it.each(attempts)('CR, LF or NUL in the subject, the display name and a configured value never start a header line (%j)', async (attempt) => {
    const m = build({ subject: attempt }, { from: { name: attempt, address: 'bot@courier.test' }, headers: { 'X-Tenant': attempt } });
    expectWellFormed(m);
    const names = headerNames(m.raw).map((n) => n.toLowerCase());
    expect(names).not.toContain('bcc');
    expect(names).not.toContain('x-evil');
    expect(names).not.toContain('x-evil-folded');
    expect(names.filter((n) => n === 'subject')).toHaveLength(1);

    const { mail, parsed } = await roundTrip(m);
    expect(mail.envelope.to).toEqual(['alice@example.test']);
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.headers.has('x-evil')).toBe(false);
    // The value survives on its own line, line breaks turned into spaces and NUL dropped.
    const flattened = attempt.replace(/\r\n|[\r\n]/g, ' ').replace(/\0/g, '');
    expect(parsed.subject?.trim()).toBe(flattened.trim());
    expect(decodeWords(parsed.headers.get('x-tenant') as string).trim()).toBe(flattened.trim());
    expect(parsed.from?.value[0]?.address).toBe('bot@courier.test');
    expect(parsed.text?.trim()).toBe('Hi');
  });

  it('keeps an injected recipient or courier id from adding headers', () => {
    expect(() => build({ to: 'alice@example.test\nBcc: evil@example.test' })).toThrow(MimeInputError);
    const m = build({ courierMessageId: 'id-1\r\nBcc: evil@example.test' });
    expectWellFormed(m);
    expect(headerNames(m.raw).map((n) => n.toLowerCase())).not.toContain('bcc');
  });
});

describe('buildMimeMessage: bodies', () => {
  it('round-trips a non-ASCII text body and an HTML alternative in multipart/alternative', async () => {
    const text = 'Hello Zoë — your code is 482913 🎉\nÇa marche: 你好, مرحبا, שלום.\n\n-- \nCourier';
    const html = '<!DOCTYPE html><html><body><p style="color: red">Hello <b>Zoë</b> — code <code>482913</code> 🎉</p></body></html>';
    const m = build({ text, html });
    expectWellFormed(m);
    const fields = headerFields(m.raw);
    const contentType = fields.find((f) => f.startsWith('Content-Type: multipart/alternative;'));
    const boundary = /boundary="([^"]+)"/.exec(contentType ?? '')?.[1];
    expect(boundary).toMatch(/^=_courier_/);
    const body = textOf(m.raw).slice(headerBlock(m.raw).length);
    // The boundary appears only as the three delimiters.
    expect(body.split(`--${boundary}`)).toHaveLength(4);
    expect(body).toContain('Content-Type: text/plain; charset=utf-8');
    expect(body).toContain('Content-Type: text/html; charset=utf-8');

    const { parsed } = await roundTrip(m);
    expect(parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    expect(parsed.text).toBe(text);
    expect(parsed.html).toBe(html);
  });

  it('keeps content that imitates the boundary from closing a part', async () => {
    const trap = build({ html: '<p>x</p>' });
    const boundary = /boundary="([^"]+)"/.exec(headerBlock(trap.raw))?.[1] ?? '';
    // Bodies cannot know the boundary in advance, but even one that holds a boundary-like line stays intact.
    const text = `before\n--${boundary}\n--=_courier_\n--=_courier_--\nafter`;
    const m = build({ text, html: `<pre>\n--=_courier_x--\n</pre>` });
    expectWellFormed(m);
    const { parsed } = await roundTrip(m);
    expect(parsed.text).toBe(text);
    expect(parsed.html).toBe('<pre>\n--=_courier_x--\n</pre>');
  });

  it('wraps long lines (ASCII, multibyte, without spaces) at 76 characters and they round-trip', async () => {
    const text = ['x'.repeat(5_000), 'é'.repeat(700), `${'word '.repeat(200)}   `, '🎉'.repeat(300), 'a=b'.repeat(200), `trailing spaces and tab \t `].join('\n');
    const html = `<p>${'<span class="c">long html line</span>'.repeat(200)}</p>`;
    const m = build({ text, html });
    expectWellFormed(m);
    const { parsed } = await roundTrip(m);
    expect(parsed.text).toBe(text);
    expect(parsed.html).toBe(html);
  });

  it('normalises CRLF, lone CR and lone LF line breaks to CRLF', async () => {
    const m = build({ text: 'one\r\ntwo\rthree\nfour\r\n' });
    expectWellFormed(m);
    expect(textOf(m.raw)).toContain('\r\n\r\none\r\ntwo\r\nthree\r\nfour\r\n');
    expect(textOf(m.raw).endsWith('four\r\n')).toBe(true);
    expect((await roundTrip(m)).parsed.text).toBe('one\ntwo\nthree\nfour\n');
  });

  it('leaves dot-stuffing to the SMTP client: a "." line and lines starting with "." arrive intact', async () => {
    const text = 'first\n.\n..\n.hidden\n. spaced\nlast\n.';
    const html = '<p>a</p>\n.\n..x\n';
    const m = build({ text, html, courierMessageId: 'dots-1' });
    // The writer does not stuff: the message holds the "." line as it is.
    expect(textOf(m.raw)).toContain('\r\nfirst\r\n.\r\n..\r\n.hidden\r\n. spaced\r\nlast\r\n.\r\n');
    wire = '';
    const { parsed } = await roundTrip(m);
    // On the wire every line that starts with "." has another one in front of it.
    expect(wire).toContain('\r\nfirst\r\n..\r\n...\r\n..hidden\r\n.. spaced\r\nlast\r\n..\r\n');
    expect(wire).toContain('\r\n..\r\n...x\r\n');
    expect(parsed.text).toBe(text);
    expect(parsed.html).toBe(html);
    expect(parsed.headers.get('x-courier-message-id')).toBe('dots-1');
  });

  it('writes an empty text body', async () => {
    const m = build({ text: '' });
    expectWellFormed(m);
    const { parsed } = await roundTrip(m);
    expect(parsed.text ?? '').toBe('');
  });
});

describe('buildMimeMessage: generated inputs', () => {
  it('keeps every limit on 300 generated messages and round-trips 30 of them exactly', async () => {
    const next = prng(20_240_229);
    for (let i = 0; i < 300; i += 1) {
      const subject = randomText(next, 12);
      const name = randomText(next, 4);
      const text = randomText(next, 60);
      const html = next() < 0.5 ? `<p>${randomText(next, 60)}</p>` : undefined;
      const m = build({ subject, text, html, courierMessageId: `gen-${i}` }, { from: { name, address: 'bot@courier.test' }, headers: { 'X-Gen': randomText(next, 10) } });
      expectWellFormed(m);
      for (const line of headerBlock(m.raw).split('\r\n')) {
        if (!line.startsWith('From:') && !line.startsWith(' ')) expect(line.length, line).toBeLessThanOrEqual(78);
      }
      if (i % 10 !== 0) continue;
      const { parsed } = await roundTrip(m);
      const crlfText = text.replace(/\r\n|\r/g, '\n');
      // mailparser ends a single quoted-printable text/plain body with the line break that
      // closes the SMTP body; a base64 body and a part of a multipart message have none.
      const closingBreak = html === undefined && !crlfText.endsWith('\n') && headerFields(m.raw).includes('Content-Transfer-Encoding: quoted-printable');
      expect(parsed.text ?? '', `message ${i}`).toBe(closingBreak ? `${crlfText}\n` : crlfText);
      if (html !== undefined) expect(parsed.html, `message ${i}`).toBe(html.replace(/\r\n|\r/g, '\n'));
      if (subject.trim() !== '') expect(parsed.subject?.trim(), `message ${i}`).toBe(subject.replace(/\r\n|[\r\n]/g, ' ').trim());
      expect(parsed.headers.get('x-courier-message-id')).toBe(`gen-${i}`);
    }
  });
});
