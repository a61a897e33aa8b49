/**
 * The plain baseline's producer: a Fastify route that takes the same JSON body as
 * Courier's `POST /messages` and calls `queue.add` with the bare data the baseline
 * worker needs (recipient and code). No API key, no schema validation, no record,
 * no logging: the same HTTP framework as Courier's producer answering, with the
 * least work behind it. Same Redis, same job options as the baseline's queue.
 */
import { Queue } from 'bullmq';
import Fastify from 'fastify';
import { Redis } from 'ioredis';

const env = (name: string): string => process.env[name] ?? '';

interface Body {
  readonly recipient?: string;
  readonly template_type?: string;
  readonly template_data?: { readonly verification_code?: string };
}

const queue = new Queue<{ to: string; code: string }>(env('BENCH_QUEUE'), {
  connection: new Redis(env('REDIS_URL'), { maxRetriesPerRequest: null }),
  prefix: env('BENCH_PREFIX'),
  defaultJobOptions: { attempts: 6 },
});
const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.post('/messages', async (req, reply) => {
  const body = req.body as Body;
  const job = await queue.add(body.template_type ?? 'raw', { to: String(body.recipient), code: body.template_data?.verification_code ?? '' });
  return reply.code(202).send({ id: job.id });
});
await queue.waitUntilReady();
await app.listen({ host: '127.0.0.1', port: Number(env('PORT')) });
process.stdout.write(`${JSON.stringify({ msg: 'baseline worker started', pid: process.pid })}\n`);
process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => queue.close())
    .then(() => process.exit(0));
});
