/**
 * Experiment behind BENCHMARKS.md's e-mail analysis: the same message through a
 * pooled nodemailer transport (5 connections, 50 sends in flight) either the
 * usual way (nodemailer builds the MIME tree and streams it into the socket while
 * holding a pooled connection) or built first with `MailComposer` into one
 * buffer and handed over as `raw`, so a connection is held only for the SMTP
 * dialogue; or, as a ceiling, assembled directly as a string (the shape of
 * Courier's messages is fixed: headers, a text part and an HTML part, base64
 * bodies) and handed over as `raw`; or built by Courier's MIME writer
 * (`createMimeWriter` in packages/courier-core/src/delivery/mime.ts, what the SMTP
 * strategy sends) and handed over as `raw`; or through `createSmtpStrategy` itself (its
 * own pooled transport, 5 connections). Sink: the benchmark's SMTP sink in its own
 * process. Before the SMTP rounds, the cost of building alone (no sending) is measured
 * for the three builders.
 *
 * Run: `cd bench && node --conditions=source --import tsx src/experiments/smtp-raw.ts`
 */
import { createTransport, type SendMailOptions, type Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { createMimeWriter, createSmtpStrategy, type DeliveryStrategy } from '@courier/core';
import { startSink } from '../env/sinks.js';

const COUNT = 4_000;
const IN_FLIGHT = 50;
const text = 'Hi,\n\nplease verify your account by entering the following code:\n\n123456\n\nThis code expires in 15 minutes.\n';
const html = `<!DOCTYPE html><html><body>${'<p>please verify your account by entering the following code:</p>\n'.repeat(9)}</body></html>`;

/** A multipart/alternative message assembled by hand: what a fixed-shape MIME writer would produce. */
function handBuilt(m: { from: string; to: string; subject: string; text: string; html: string; id: string }): Buffer {
  const boundary = `--_courier_${m.id}`;
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    [
      `From: ${m.from}`,
      `To: ${m.to}`,
      `Subject: ${m.subject}`,
      `Message-ID: <${m.id}@courier.localhost>`,
      `X-Courier-Message-Id: ${m.id}`,
      `Date: ${new Date().toUTCString()}`,
      'MIME-Version: 1.0',
      `Content-Type: multipart/alternative; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      b64(m.text),
      `--${boundary}`,
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      b64(m.html),
      `--${boundary}--`,
      '',
    ].join('\r\n'),
    'utf8',
  );
}

const courierWriter = createMimeWriter({ from: { address: 'no-reply@courier.localhost' } });
const courierMessage = (k: number) => courierWriter.build({ to: `x${k}@bench.test`, subject: 'Please verify your email address', text, html, courierMessageId: `id-${k}` });

/** CPU time of building alone, per message, for each builder. */
async function buildOnly(): Promise<void> {
  const builders: Record<string, (k: number) => unknown> = {
    'MailComposer build': async (k) =>
      new MailComposer({
        from: 'no-reply@courier.localhost',
        to: `x${k}@bench.test`,
        subject: 'Please verify your email address',
        text,
        html,
        headers: { 'X-Courier-Message-Id': `id-${k}` },
      })
        .compile()
        .build(),
    'hand-built string': (k) => handBuilt({ from: 'no-reply@courier.localhost', to: `x${k}@bench.test`, subject: 'Please verify your email address', text, html, id: `id-${k}` }),
    'Courier createMimeWriter().build': courierMessage,
  };
  const n = 20_000;
  for (const [label, buildOne] of Object.entries(builders)) {
    for (let k = 0; k < 2_000; k++) await buildOne(k); // warm-up
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let k = 0; k < n; k++) await buildOne(k);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    console.log(`build only, ${label}: ${((ms * 1_000) / n).toFixed(1)} µs/msg wall, ${((cpu.user + cpu.system) / n).toFixed(1)} µs/msg CPU`);
  }
}
await buildOnly();

const sink = await startSink('smtp');
try {
  const mail = (k: number): SendMailOptions & { from: string; to: string } => ({
    from: 'no-reply@courier.localhost',
    to: `x${k}@bench.test`,
    subject: 'Please verify your email address',
    text,
    html,
    headers: { 'X-Courier-Message-Id': `id-${k}` },
  });
  // The strategy brings its own pooled transport (5 connections, like the others); one per round.
  let strategy: DeliveryStrategy | undefined;
  const ways: Record<string, (t: Transporter, k: number) => Promise<unknown>> = {
    'sendMail (streamed MIME)': (t, k) => t.sendMail(mail(k)),
    'MailComposer -> raw buffer': async (t, k) => {
      const m = mail(k);
      const raw = await new MailComposer(m).compile().build();
      return t.sendMail({ envelope: { from: m.from, to: [m.to] }, raw });
    },
    'hand-built MIME -> raw buffer': (t, k) => {
      const m = mail(k);
      const raw = handBuilt({ from: m.from, to: m.to, subject: 'Please verify your email address', text, html, id: `id-${k}` });
      return t.sendMail({ envelope: { from: m.from, to: [m.to] }, raw });
    },
    'Courier buildMimeMessage -> raw': (t, k) => {
      const m = courierMessage(k);
      return t.sendMail({ envelope: m.envelope, raw: m.raw, messageId: m.messageId });
    },
    'Courier createSmtpStrategy().send': (_t, k) => {
      strategy ??= createSmtpStrategy({
        smtp: { connection_uri: `smtp://127.0.0.1:${sink.port}/?disable_starttls=true`, from_address: 'no-reply@courier.localhost', headers: {} },
      });
      return strategy.send({
        id: `id-${k}`,
        type: 'email',
        channel: 'email',
        recipient: `x${k}@bench.test`,
        subject: 'Please verify your email address',
        body: text,
        html_body: html,
      });
    },
  };
  for (let round = 0; round < 3; round++) {
    for (const [label, send] of Object.entries(ways)) {
      const transport = createTransport({ pool: true, host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true });
      await sink.reset();
      let next = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < COUNT) await send(transport, next++);
        }),
      );
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const stats = await sink.stats();
      transport.close();
      await strategy?.close?.();
      strategy = undefined;
      console.log(
        `round ${round + 1}, ${label}: ${Math.round((COUNT * 1_000) / ms)} msgs/s, ` +
          `${((cpu.user + cpu.system) / 1_000 / COUNT).toFixed(3)} CPU ms/msg, ${Math.round(stats.bytes / stats.count)} B/msg at the sink`,
      );
    }
  }
} finally {
  await sink.close();
}
