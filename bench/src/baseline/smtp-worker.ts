/**
 * The plain baseline for e-mail: a BullMQ worker that renders with a template
 * literal and sends with a pooled nodemailer transport. No status tracking, no
 * validation, no metrics: what a team would write in twenty lines. Same Redis,
 * same sink, same concurrency and pool settings (given by the harness, the same as
 * Courier's in the same comparison) and the same job retention as Courier.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createTransport } from 'nodemailer';

const env = (name: string): string => process.env[name] ?? '';
// The pool settings are the harness's, the same numbers Courier's worker gets (SMTP_MAX_CONNECTIONS,
// SMTP_MAX_MESSAGES; nodemailer's own defaults, 5 and 100, when unset).
const poolNumber = (name: string): number | undefined => (env(name) === '' ? undefined : Number(env(name)));
const transport = createTransport({
  pool: true,
  host: '127.0.0.1',
  port: Number(env('SMTP_PORT')),
  secure: false,
  ignoreTLS: true,
  ...(poolNumber('SMTP_MAX_CONNECTIONS') === undefined ? {} : { maxConnections: poolNumber('SMTP_MAX_CONNECTIONS') }),
  ...(poolNumber('SMTP_MAX_MESSAGES') === undefined ? {} : { maxMessages: poolNumber('SMTP_MAX_MESSAGES') }),
});
const html = (code: string): string => `<!DOCTYPE html>
<html lang="en">
  <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Please verify your email address</title></head>
  <body style="font-family: -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; line-height: 1.5; color: #1f2328;">
    <p>Hi,</p>
    <p>please verify your account by entering the following code:</p>
    <p style="font-size: 1.5em; font-weight: bold; letter-spacing: 0.15em;">${code}</p>
    <p>This code expires in 15 minutes.</p>
    <p>If you did not create an account, you can safely ignore this email.</p>
  </body>
</html>
`;
const text = (code: string): string =>
  `Hi,\n\nplease verify your account by entering the following code:\n\n${code}\n\nThis code expires in 15 minutes.\n\nIf you did not create an account, you can safely ignore this email.\n`;

const worker = new Worker<{ to: string; code?: string; subject?: string; body?: string }>(
  env('BENCH_QUEUE'),
  async (job) => {
    // A raw message (subject and text as given), or the templated one.
    if (job.data.body !== undefined) {
      const raw = await transport.sendMail({ from: 'no-reply@courier.localhost', to: job.data.to, subject: job.data.subject, text: job.data.body });
      return raw.messageId;
    }
    const code = job.data.code ?? '';
    const info = await transport.sendMail({
      from: 'no-reply@courier.localhost',
      to: job.data.to,
      subject: 'Please verify your email address',
      text: text(code),
      html: html(code),
    });
    return info.messageId;
  },
  {
    connection: new Redis(env('REDIS_URL'), { maxRetriesPerRequest: null }),
    prefix: env('BENCH_PREFIX'),
    concurrency: Number(env('CONCURRENCY')),
    removeOnComplete: { age: 86_400, count: 10_000 },
    removeOnFail: { age: 86_400, count: 10_000 },
  },
);

await worker.waitUntilReady();
process.stdout.write(`${JSON.stringify({ msg: 'baseline worker started', pid: process.pid })}\n`);
process.once('SIGTERM', () => {
  void worker.close().then(() => {
    transport.close();
    process.exit(0);
  });
});
