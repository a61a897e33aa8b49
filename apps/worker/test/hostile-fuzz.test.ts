/**
 * Hostile bodies through the whole path, producer to sink (fast-check): each run
 * sends good messages (each with its own marker) and hostile ones side by side,
 * through the API (single and batch requests at once) and, as an older producer
 * would have written them, straight into the queue. Hostile: lone surrogates in
 * any field or key, arrays and strings past the template-data limits, deep
 * nesting, bytes that are not UTF-8, NUL and control characters, prototype keys.
 *
 * Properties: the producer never answers 5xx; no process crashes; every good
 * message is delivered exactly once with its marker, whatever was sent with it;
 * every accepted message ends in a final status (nothing left queued or processing).
 *
 * `FUZZ_SEED=<seed>` replays a run.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildJobPayload, newMessageId, type JobPayload } from '@courier/core';
import { enqueueMessages } from '@courier/store';
import type { CourierProcess, HttpSink, SmtpSink } from '@courier/testkit';
import type { Deployment } from './support/deployment.js';
import { startRunningCourier, type RunningCourier } from './support/running-courier.js';

const KEY = 'hostile-fuzz-key-0123456789ab';
const SEED = process.env['FUZZ_SEED'] === undefined ? undefined : Number(process.env['FUZZ_SEED']);
const RUNS = 60;

let courier: RunningCourier;
let smtp: SmtpSink;
let http: HttpSink;
let d: Deployment;
let producer: CourierProcess;
let worker: CourierProcess;
let api: string;

beforeAll(async () => {
  courier = await startRunningCourier(KEY);
  ({ smtp, http, deployment: d, producer, worker, api } = courier);
}, 60_000);

afterAll(async () => {
  await courier?.stop();
});

let serial = 0;
/** A marker no other message carries, found again in what the sink received. */
const marker = (): string => `mk${process.pid}x${++serial}x`;

/** A good message: templated e-mail, raw e-mail or SMS, carrying `mark`. */
type GoodKind = 'templated' | 'raw' | 'sms';
function goodMessage(kind: GoodKind, mark: string): Record<string, unknown> {
  switch (kind) {
    case 'templated':
      return { recipient: `${mark}@example.com`, template_type: 'login_code_valid', template_data: { login_code: mark } };
    case 'raw':
      return { recipient: `${mark}@example.com`, subject: `Hello ${mark}`, body: `Body ${mark} é 😀` };
    case 'sms':
      return { type: 'sms', recipient: `+1555${serial}`, body: `SMS ${mark}` };
  }
}

/** How a good message is made hostile. */
const hostility = fc.oneof(
  fc.record({
    kind: fc.constant('surrogate' as const),
    field: fc.constantFrom('body', 'subject', 'value', 'key', 'recipient'),
    unit: fc.constantFrom('\ud800', '\udfff', '\udbff\udbff'),
  }),
  fc.record({ kind: fc.constant('array' as const), length: fc.integer({ min: 10_001, max: 60_000 }) }),
  fc.record({ kind: fc.constant('depth' as const), depth: fc.integer({ min: 33, max: 400 }) }),
  fc.record({ kind: fc.constant('bytes' as const), length: fc.integer({ min: 66_000, max: 200_000 }) }),
);
type Hostility = typeof hostility extends fc.Arbitrary<infer T> ? T : never;

/** Content that may be fine or not: the server decides, and must not fail on it. */
const oddity = fc.constantFrom('nul', 'controls', 'proto', 'bidi', 'invalid-utf8', 'bom');
type Oddity = typeof oddity extends fc.Arbitrary<infer T> ? T : never;

function nested(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = { n: v };
  return v;
}

function makeHostile(h: Hostility, mark: string): Record<string, unknown> {
  const base: Record<string, unknown> = { recipient: `${mark}@example.com`, template_type: 'login_code_valid', template_data: { login_code: mark } };
  switch (h.kind) {
    case 'surrogate':
      if (h.field === 'body') return { recipient: `${mark}@example.com`, subject: 'S', body: `x${h.unit}y` };
      if (h.field === 'subject') return { recipient: `${mark}@example.com`, subject: `s${h.unit}`, body: 'b' };
      if (h.field === 'recipient') return { type: 'sms', recipient: `+1${h.unit}5`, body: 'b' };
      if (h.field === 'value') return { ...base, template_data: { login_code: mark, extra: { v: `a${h.unit}` } } };
      return { ...base, template_data: { login_code: mark, [`k${h.unit}`]: 1 } };
    case 'array':
      return { ...base, template_data: { login_code: mark, list: new Array<number>(h.length).fill(7) } };
    case 'depth':
      return { ...base, template_data: { login_code: mark, deep: nested(h.depth) } };
    case 'bytes':
      return { ...base, template_data: { login_code: mark, blob: 'z'.repeat(h.length) } };
  }
}

/** An odd (maybe acceptable) message as raw request bytes. */
function oddRequest(o: Oddity, mark: string): { body: Buffer; contentType: string } {
  const json = (m: Record<string, unknown>): Buffer => Buffer.from(JSON.stringify(m), 'utf8');
  const raw = (text: string): Record<string, unknown> => ({ recipient: `${mark}@example.com`, subject: 'Odd', body: text });
  switch (o) {
    case 'nul':
      return { body: json(raw(`a\u0000b ${mark}`)), contentType: 'application/json' };
    case 'controls':
      return { body: json(raw(`\u0001\u001b[31m\r\n.\r\n${mark}`)), contentType: 'application/json' };
    case 'proto':
      return {
        body: Buffer.from(
          `{"recipient":"${mark}@example.com","template_type":"login_code_valid","template_data":{"login_code":"${mark}","__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}}}}`,
        ),
        contentType: 'application/json',
      };
    case 'bidi':
      return { body: json(raw(`\u202e${mark}\u202c \ufeff`)), contentType: 'application/json' };
    case 'invalid-utf8':
      return {
        body: Buffer.concat([Buffer.from(`{"recipient":"${mark}@example.com","subject":"Odd","body":"`), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(`${mark}"}`)]),
        contentType: 'application/json',
      };
    case 'bom':
      return { body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json(raw(mark))]), contentType: 'application/json; charset=utf-8' };
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers read as untyped JSON; expect() checks their shape
async function send(path: string, body: Buffer | string, contentType = 'application/json'): Promise<{ status: number; body: any }> {
  const res = await fetch(`${api}${path}`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': contentType }, body });
  const text = await res.text();
  expect(res.status, `5xx from ${path}: ${text.slice(0, 300)}`).toBeLessThan(500);
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

function delivered(mark: string): number {
  const mails = smtp.received.filter((m) => m.envelope.to.some((t) => t.includes(mark))).length;
  const sms = http.requests.filter((r) => r.body.includes(mark)).length;
  return mails + sms;
}

async function waitUntil(check: () => Promise<boolean> | boolean, what: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('hostile bodies, producer to sink', () => {
  it('never 5xx, never crash, and every good message delivered once beside them', async () => {
    const goodMarks: string[] = [];
    const acceptedIds: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<GoodKind>('templated', 'raw', 'sms'), { minLength: 1, maxLength: 3 }),
        fc.array(hostility, { minLength: 1, maxLength: 3 }),
        fc.array(oddity, { maxLength: 2 }),
        fc.boolean(),
        async (goodKinds, hostiles, odd, alsoLegacy) => {
          const goods = goodKinds.map((k) => {
            const mark = marker();
            goodMarks.push(mark);
            return goodMessage(k, mark);
          });
          const requests: Promise<void>[] = [];
          // Good messages: one alone and the rest in a batch of their own, sent alongside everything else.
          const [first, ...rest] = goods;
          requests.push(
            send('/messages', JSON.stringify(first)).then((r) => {
              expect(r.status, JSON.stringify(r.body)).toBe(202);
              acceptedIds.push(r.body.id);
            }),
          );
          if (rest.length > 0) {
            requests.push(
              send('/messages/batch', JSON.stringify({ messages: rest })).then((r) => {
                expect(r.status, JSON.stringify(r.body)).toBe(202);
                acceptedIds.push(...r.body.messages.map((m: { id: string }) => m.id));
              }),
            );
          }
          // Hostile ones: refused with a 400 that names a field, alone and inside a batch with a good message.
          for (const h of hostiles) {
            const hostile = makeHostile(h, marker());
            requests.push(
              send('/messages', JSON.stringify(hostile)).then((r) => {
                expect(r.status, `${h.kind}: ${JSON.stringify(r.body).slice(0, 300)}`).toBe(400);
                expect(r.body.error.details[0].path).toMatch(/^(body|subject|recipient|template_data\b)/);
              }),
              send('/messages/batch', JSON.stringify({ messages: [goodMessage('raw', marker()), hostile] })).then((r) => {
                expect(r.status).toBe(400);
                expect(r.body.error.details[0].path).toMatch(/^messages\.1\./);
              }),
            );
          }
          // Odd ones: the server decides; accepted ones must then go all the way.
          for (const o of odd) {
            const { body, contentType } = oddRequest(o, marker());
            requests.push(
              send('/messages', body, contentType).then((r) => {
                if (r.status === 202) acceptedIds.push(r.body.id);
              }),
            );
          }
          // As an older producer wrote them: hostile payloads queued straight beside good ones.
          if (alsoLegacy) {
            const mark = marker();
            goodMarks.push(mark);
            const good = buildJobPayload({ type: 'sms', channel: 'sms', recipient: `+1666${serial}`, body: `SMS ${mark}` }, newMessageId(), new Date());
            const legacy: JobPayload[] = hostiles.map((h) => {
              const m = makeHostile(h, marker());
              return {
                ...buildJobPayload({ type: 'email', channel: 'email', recipient: 'legacy@example.com', template_type: 'login_code_valid' }, newMessageId(), new Date()),
                ...m,
                v: 1,
              };
            });
            acceptedIds.push(good.id, ...legacy.map((l) => l.id));
            requests.push(
              enqueueMessages(
                d.redis,
                d.queue,
                d.store,
                [...legacy, good].map((payload) => ({ payload })),
              ),
            );
          }
          await Promise.all(requests);
        },
      ),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );

    // Every good message arrives exactly once; every accepted one ends in a final status.
    await waitUntil(
      () => goodMarks.every((m) => delivered(m) >= 1),
      () => `not delivered: ${goodMarks.filter((m) => delivered(m) === 0).join(', ')}`,
      60_000,
    );
    for (const m of goodMarks) expect(delivered(m), m).toBe(1);
    await waitUntil(
      async () => {
        const statuses = await Promise.all(acceptedIds.map((id) => d.store.status(id)));
        return statuses.every((s) => s === 'sent' || s === 'abandoned');
      },
      () => 'some accepted messages are not final',
      60_000,
    );
    expect(producer.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();
    expect((await fetch(`${api}/health/alive`)).status).toBe(200);
  }, 240_000);
});
