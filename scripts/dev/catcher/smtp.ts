/**
 * The catcher's SMTP side: accepts every message (no auth, no TLS), keeps its
 * raw source up to the store's per-message limit, parses that with mailparser
 * and stores the parts the viewer shows. A message over the limit is still
 * accepted (the sender sees a delivery), stored cut, with a note saying so.
 */
import type { AddressObject, ParsedMail } from 'mailparser';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { readLimited, truncationOf, type CaughtHeader, type CaughtInput, type CaughtStore } from './store.js';

function addressText(a: AddressObject | AddressObject[] | undefined): string | undefined {
  if (a === undefined) return undefined;
  return (Array.isArray(a) ? a : [a]).map((x) => x.text).join(', ');
}

/** The headers as written in the source (mailparser's `headerLines`), unfolded. */
function headersOf(mail: ParsedMail): CaughtHeader[] {
  return mail.headerLines.map((h) => {
    const colon = h.line.indexOf(':');
    return { name: colon < 0 ? h.key : h.line.slice(0, colon), value: (colon < 0 ? h.line : h.line.slice(colon + 1)).replace(/\r?\n[ \t]+/g, ' ').trim() };
  });
}

/** What to store for one received message. */
export async function parseCaughtEmail(raw: Buffer, envelopeTo: readonly string[], truncated: CaughtInput['truncated']): Promise<CaughtInput> {
  // simpleParser turns cid: references into data: URIs, which the HTML route's CSP allows.
  const mail = await simpleParser(raw);
  return {
    kind: 'email',
    to: envelopeTo.length > 0 ? envelopeTo.join(', ') : (addressText(mail.to) ?? ''),
    from: addressText(mail.from),
    subject: mail.subject,
    text: (mail.text ?? '').trim(),
    html: mail.html === false ? undefined : mail.html,
    messageId: mail.messageId,
    headers: headersOf(mail),
    raw: raw.toString('utf8'),
    attachments: mail.attachments.map((a) => ({ filename: a.filename ?? '(unnamed)', contentType: a.contentType, size: a.size })),
    truncated,
  };
}

/** An SMTP server that puts what it receives into `store`; not listening yet. */
export function createSmtpCatcher(store: CaughtStore): SMTPServer {
  return new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
      readLimited(stream, store.limits.maxMessageBytes)
        .then(async (read) => {
          store.add(await parseCaughtEmail(read.data, envelopeTo, truncationOf(read, 'message')));
          callback();
        })
        .catch((err: unknown) => callback(err instanceof Error ? err : new Error(String(err))));
    },
  });
}
