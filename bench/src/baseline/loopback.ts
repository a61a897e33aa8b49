/**
 * The loopback ceiling: nodemailer's pooled transport sending the baseline's
 * templated message straight into the SMTP sink, `CONCURRENCY` sends in flight,
 * no queue, no Redis. Whatever a queue-fed worker does costs on top of this.
 * Prints one JSON line: messages, rate (msgs/s, from the first send to the last
 * acceptance) and CPU ms per message of this process.
 *
 * Env: SMTP_PORT, COUNT, CONCURRENCY, SMTP_MAX_CONNECTIONS, SMTP_MAX_MESSAGES.
 */
import { createTransport } from 'nodemailer';

const env = (name: string): string => process.env[name] ?? '';
const count = Number(env('COUNT'));
const concurrency = Number(env('CONCURRENCY'));
const transport = createTransport({
  pool: true,
  host: '127.0.0.1',
  port: Number(env('SMTP_PORT')),
  secure: false,
  ignoreTLS: true,
  maxConnections: Number(env('SMTP_MAX_CONNECTIONS')),
  maxMessages: Number(env('SMTP_MAX_MESSAGES')),
});
const text = (code: string): string =>
  `Hi,\n\nplease verify your account by entering the following code:\n\n${code}\n\nThis code expires in 15 minutes.\n\nIf you did not create an account, you can safely ignore this email.\n`;
const html = (code: string): string =>
  `<!DOCTYPE html>\n<html lang="en">\n  <body>\n    <p>Hi,</p>\n    <p>please verify your account by entering the following code:</p>\n    <p>${code}</p>\n    <p>This code expires in 15 minutes.</p>\n  </body>\n</html>\n`;

// A few sends first so the pool's connections are open before timing starts.
await Promise.all(Array.from({ length: 20 }, (_, i) => transport.sendMail({ from: 'no-reply@courier.localhost', to: `warm-${i}@bench.test`, subject: 'warm', text: 'warm' })));
const cpu0 = process.cpuUsage();
const started = Date.now();
let next = 0;
async function lane(): Promise<void> {
  while (next < count) {
    const i = next++;
    const code = String(100_000 + ((i * 7_919) % 900_000));
    await transport.sendMail({
      from: 'no-reply@courier.localhost',
      to: `loop-${i}@bench.test`,
      subject: 'Please verify your email address',
      text: text(code),
      html: html(code),
    });
  }
}
await Promise.all(Array.from({ length: concurrency }, lane));
const ms = Date.now() - started;
const cpu = process.cpuUsage(cpu0);
transport.close();
process.stdout.write(`${JSON.stringify({ messages: count, rate: (count * 1_000) / ms, cpuMsPerMessage: (cpu.user + cpu.system) / 1_000 / count })}\n`);
