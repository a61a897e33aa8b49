/**
 * The delivery-strategy conformance suite (docs/architecture.md, "Delivery strategies":
 * every strategy passes one shared conformance suite). One list of behavioural cases, {@link DELIVERY_CONFORMANCE_CASES},
 * runs against every strategy through a small {@link ConformanceHarness} that knows how
 * to build the strategy for a real peer (an SMTP or HTTP sink from @courier/testkit), how
 * to make that peer accept, refuse or hang, and how to read what it received.
 *
 * Assertions are about what the peer saw and what the strategy promised in
 * `delivery/strategy.ts`, never about a strategy's internals.
 */
import { spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/errors.js';
import type { DeliveryStrategy, OutboundMessage } from '../../src/delivery/strategy.js';

/** What a peer accepted, in the same shape whatever the protocol. */
export interface Delivery {
  readonly recipient: string;
  readonly subject: string | undefined;
  /** The plain-text body as the peer decoded it. */
  readonly body: string;
  readonly html: string | undefined;
  /** Courier's message id as the peer saw it (`X-Courier-Message-Id`), when the protocol carries one. */
  readonly messageId: string | undefined;
}

/** How the peer answers deliveries from now on. */
export type PeerAnswer = 'accept' | 'refuse-transient' | 'refuse-permanent';

/** A strategy talking to a peer that accepts the connection or request and then never answers. */
interface HungTarget {
  readonly strategy: DeliveryStrategy;
  /** Resolves once the peer holds a connection or request from the strategy. */
  reached(): Promise<void>;
}

/**
 * How to build a strategy inside a child process, to prove that `close()` leaves
 * nothing that keeps a process alive. `build` is a JavaScript expression evaluated with
 * `m` (the imported `module`) and `config` (the JSON-parsed `config`) in scope.
 */
export interface ExitProbe {
  /** Absolute path of the TypeScript module to import (loaded through tsx). */
  readonly module: string;
  readonly build: string;
  readonly config: unknown;
}

/** One running peer (a sink and whatever the harness needs around it), fresh for each case. */
export interface ConformancePeer {
  /** A strategy delivering to this peer, configured with the harness's secrets. */
  createStrategy(): DeliveryStrategy;
  /** A strategy delivering to a peer that hangs (see {@link HungTarget}). */
  createHungStrategy(): Promise<HungTarget>;
  /** A strategy, with the same secrets, for a loopback `port` nothing listens on. */
  createUnreachableStrategy(port: number): DeliveryStrategy;
  /**
   * How the peer answers from now on. A refusal carries `echo` in its text (SMTP reply
   * line, HTTP response body), as a peer repeating what it was sent would; without it the
   * harness echoes the credentials it saw, briefly.
   */
  answer(mode: PeerAnswer, echo?: string): void;
  /** Deliveries the peer accepted, oldest first. */
  deliveries(): readonly Delivery[];
  waitForDeliveries(count: number, timeoutMs?: number): Promise<readonly Delivery[]>;
  /** Delivery attempts the peer saw, accepted or refused (HTTP requests, SMTP RCPT commands). */
  contacts(): number;
  exitProbe(): ExitProbe;
  /** Stop the peer and everything the harness started for it. */
  close(): Promise<void>;
}

/** What a strategy must supply to run the conformance suite. */
export interface ConformanceHarness {
  /** Label for the `describe` block, e.g. `smtp (createSmtpStrategy)`. */
  readonly label: string;
  /** Every form of every credential configured on the strategy; none may appear in an error. */
  readonly secrets: readonly string[];
  /** True when the strategy delivers `html_body` (e-mail); the HTML case is skipped otherwise. */
  readonly carriesHtml: boolean;
  /** True when `verify()` is expected to contact the peer (SMTP checks the server; HTTP only compiles its template). */
  readonly verifyContactsPeer: boolean;
  /** The `n`-th test message; distinct `n` give distinct ids and recipients. */
  message(n: number, overrides?: Partial<OutboundMessage>): OutboundMessage;
  start(): Promise<ConformancePeer>;
}

/** What a case gets to work with. */
interface ConformanceContext {
  readonly harness: ConformanceHarness;
  readonly peer: ConformancePeer;
  /** Register a strategy to be closed after the case (the suite closes it even when the case fails). */
  readonly track: (strategy: DeliveryStrategy) => DeliveryStrategy;
}

/** One behavioural case every strategy must pass. */
interface ConformanceCase {
  readonly title: string;
  /** When false for a harness, the case does not apply to it (reported as skipped). */
  readonly appliesTo?: (harness: ConformanceHarness) => boolean;
  run(ctx: ConformanceContext): Promise<void>;
}

/** Options of {@link defineDeliveryConformance}. */
export interface ConformanceOptions {
  /**
   * Cases, by title, that currently fail for this strategy because of a real bug, with
   * the explanation. They run as `it.fails`, so the suite turns red once the bug is fixed
   * and the entry must be removed.
   */
  readonly knownFailures?: Readonly<Record<string, string>>;
}

/** Longest a rejection may take after the attempt's signal fired. */
const ABORT_DEADLINE_MS = 3_000;
/** Longest a child process may take to exit on its own once its strategy is closed. */
const EXIT_DEADLINE_MS = 2_000;

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');

/** A loopback port with nothing listening on it: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') throw new Error('closedPort: no address');
  return address.port;
}

/** A TCP listener on 127.0.0.1 that accepts connections and never sends a byte. */
export interface SilentListener {
  readonly port: number;
  /** Resolves on the first accepted connection. */
  connected(): Promise<void>;
  close(): Promise<void>;
}

/** Start a {@link SilentListener}: a peer that hangs right after the TCP handshake. */
export async function startSilentListener(): Promise<SilentListener> {
  const sockets = new Set<Socket>();
  let markConnected: () => void = () => undefined;
  const connected = new Promise<void>((done) => {
    markConnected = done;
  });
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    markConnected();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('silent listener: no address');
  return {
    port: address.port,
    connected: () => connected,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** Await a rejection and hand back the `DeliveryError`; anything else fails the case. */
export async function expectDeliveryError(promise: Promise<unknown>): Promise<DeliveryError> {
  const outcome = await promise.then(
    (value: unknown) => ({ resolved: value }),
    (err: unknown) => ({ rejected: err }),
  );
  if ('resolved' in outcome) throw new Error(`expected a DeliveryError, but the promise resolved with ${inspect(outcome.resolved)}`);
  expect(outcome.rejected).toBeInstanceOf(DeliveryError);
  return outcome.rejected as DeliveryError;
}

/** Shortest piece of a secret that counts as leaking it (a truncated secret is still a leak). */
const SECRET_FRAGMENT_LENGTH = 8;

/** Every piece of `secret` that must not appear: all its windows of {@link SECRET_FRAGMENT_LENGTH}, or itself when shorter. */
function fragmentsOf(secret: string): string[] {
  if (secret.length <= SECRET_FRAGMENT_LENGTH) return [secret];
  const fragments: string[] = [];
  for (let i = 0; i + SECRET_FRAGMENT_LENGTH <= secret.length; i += 1) fragments.push(secret.slice(i, i + SECRET_FRAGMENT_LENGTH));
  return fragments;
}

/**
 * Assert that no secret, nor any {@link SECRET_FRAGMENT_LENGTH}-character piece of one,
 * shows anywhere a logger or an API client could put the error: its message, its JSON
 * (what dispatch records store), its cause as text, its stack, and `util.inspect` (what
 * console and most loggers print, cause chain included).
 */
export function expectSecretFree(err: DeliveryError, secrets: readonly string[]): void {
  const renderings: Record<string, string> = {
    message: err.message,
    json: JSON.stringify(err),
    cause: String(err.cause),
    stack: err.stack ?? '',
    inspect: inspect(err, { depth: 10 }),
  };
  for (const [where, text] of Object.entries(renderings)) {
    for (const secret of secrets) {
      const leaked = fragmentsOf(secret).find((fragment) => text.includes(fragment));
      expect(leaked, `(part of) a configured secret appears in the error's ${where}: ${text}`).toBeUndefined();
    }
  }
}

/** The shape every strategy failure must have: a DeliveryError with a code and the expected classification. */
function expectClassified(err: DeliveryError, retryable: boolean, secrets: readonly string[]): void {
  expect(typeof err.code).toBe('string');
  expect(err.code.length).toBeGreaterThan(0);
  expect(err.retryable).toBe(retryable);
  expect(err.message.length).toBeGreaterThan(0);
  expectSecretFree(err, secrets);
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/**
 * A body no encoding layer can pass through by accident: precomposed and combining
 * accents (NFC and NFD must both survive), emoji with ZWJ sequences, skin tones and
 * flags (astral, multi-code-point), CJK, right-to-left text, a line starting with a
 * dot (SMTP dot-stuffing), a line longer than SMTP's 998-octet limit, and JSON/Jsonnet
 * metacharacters.
 */
function unicodeBody(): string {
  const lines = [
    'Grüße aus Köln — déjà vu, naïve façade, Ærøskøbing, Łódź, İstanbul',
    'NFD: e\u0301 a\u0300 o\u0308 n\u0303 — NFC: é à ö ñ',
    'Emoji: 🎉 👩‍👩‍👧‍👦 👍🏽 🇩🇪 🏳️‍🌈 🧑🏿‍🚀 ❤️‍🔥',
    'CJK: 你好，世界 — こんにちは — 안녕하세요; RTL: مرحبا بالعالم ‏שלום‏',
    '.a line that starts with a dot',
    '..and one with two',
    'Math: 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ∑ ∞ ≠ ≤; quotes: "double" \'single\' `back` \\ backslash { } [ ] $ %',
    `Long line: ${'Ünïcödé 🚀 '.repeat(120)}end`,
  ];
  const body: string[] = [];
  for (let round = 0; round < 4; round += 1) body.push(...lines.map((line) => `${round}: ${line}`));
  return body.join('\n');
}

/**
 * Run a strategy in a child process: build it, send one message to the peer, close it
 * twice, and report. The child must then exit on its own, which it cannot while the
 * strategy keeps a socket, timer or server referenced.
 */
async function runExitProbe(probe: ExitProbe, message: OutboundMessage): Promise<{ closed: boolean; exitedWithinMs: number | undefined; code: number | null; stderr: string }> {
  const script = `
    const m = await import(${JSON.stringify(probe.module)});
    const config = JSON.parse(process.env.COURIER_PROBE_CONFIG);
    const strategy = ${probe.build};
    await strategy.send(JSON.parse(process.env.COURIER_PROBE_MESSAGE));
    await strategy.close?.();
    await strategy.close?.();
    process.stdout.write('closed\\n');
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      COURIER_PROBE_CONFIG: JSON.stringify(probe.config),
      COURIER_PROBE_MESSAGE: JSON.stringify(message),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let closedAt: number | undefined;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (closedAt === undefined && stdout.includes('closed\n')) closedAt = Date.now();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  // Generous for tsx's start-up; the deadline that matters is the one after "closed".
  const startupDeadline = Date.now() + 20_000;
  let code: number | null | undefined;
  while (code === undefined) {
    const limit = closedAt === undefined ? startupDeadline : closedAt + EXIT_DEADLINE_MS;
    if (Date.now() > limit) break;
    code = await Promise.race([exited, sleep(50).then(() => undefined)]);
  }
  if (code === undefined) {
    child.kill('SIGKILL');
    await exited;
    return { closed: closedAt !== undefined, exitedWithinMs: undefined, code: null, stderr };
  }
  return { closed: closedAt !== undefined, exitedWithinMs: closedAt === undefined ? undefined : Date.now() - closedAt, code, stderr };
}

/** The one list of behavioural cases every delivery strategy must pass. */
const DELIVERY_CONFORMANCE_CASES: readonly ConformanceCase[] = [
  {
    title: 'has a non-empty name',
    async run({ peer, track }) {
      const strategy = track(peer.createStrategy());
      expect(typeof strategy.name).toBe('string');
      expect(strategy.name.trim().length).toBeGreaterThan(0);
    },
  },
  {
    title: 'delivers a plain-text message exactly once, with its recipient, subject, body and id',
    async run({ harness, peer, track }) {
      const strategy = track(peer.createStrategy());
      const message = harness.message(1, { body: 'Your code is 482913.\nIt expires in 15 minutes.' });
      const result = await strategy.send(message);

      expect(typeof result).toBe('object');
      expect(result).not.toBeNull();
      if (result.response !== undefined) expect(typeof result.response).toBe('string');
      if (result.providerMessageId !== undefined) expect(typeof result.providerMessageId).toBe('string');
      // The peer had the message before send resolved: a resolved send is a delivered message.
      const deliveries = peer.deliveries();
      expect(deliveries).toHaveLength(1);
      expect(deliveries[0]).toMatchObject({
        recipient: message.recipient,
        subject: message.subject,
        body: message.body,
        messageId: message.id,
      });
      expect(peer.contacts()).toBe(1);
    },
  },
  {
    title: 'delivers a message with an HTML body intact, next to its text body',
    appliesTo: (harness) => harness.carriesHtml,
    async run({ harness, peer, track }) {
      const strategy = track(peer.createStrategy());
      const html = '<!doctype html><p>Hello <b>Zoë</b> — your code is <code>482913</code> 🎉</p>\n<p><a href="https://app.example/verify?token=t0k&amp;x=1">Verify</a></p>';
      const message = harness.message(2, { body: 'Hello Zoë — your code is 482913 🎉', html_body: html });
      await strategy.send(message);

      const [delivery] = await peer.waitForDeliveries(1);
      expect(delivery?.html).toBe(html);
      expect(delivery?.body).toBe(message.body);
      expect(peer.deliveries()).toHaveLength(1);
    },
  },
  {
    title: 'delivers a long Unicode body (accents, emoji, CJK, RTL) and subject byte-for-byte',
    async run({ harness, peer, track }) {
      const strategy = track(peer.createStrategy());
      const body = unicodeBody();
      const subject = harness.message(3).subject === undefined ? undefined : 'Grüße 🎉 — ñandú, e\u0301 & 你好 👩‍👩‍👧‍👦';
      const message = harness.message(3, { body, subject });
      await strategy.send(message);

      const [delivery] = await peer.waitForDeliveries(1);
      expect(delivery?.body).toBe(body);
      expect(delivery?.subject).toBe(subject);
      expect(peer.deliveries()).toHaveLength(1);
    },
  },
  {
    title: 'rejects with a retryable DeliveryError, with a code and no secrets, when the peer refuses transiently',
    async run({ harness, peer, track }) {
      peer.answer('refuse-transient');
      const err = await expectDeliveryError(track(peer.createStrategy()).send(harness.message(4)));

      expectClassified(err, true, harness.secrets);
      // The refusal came from the peer, not from failing to reach it, and nothing was delivered.
      expect(peer.contacts()).toBeGreaterThanOrEqual(1);
      expect(peer.deliveries()).toHaveLength(0);
    },
  },
  {
    title: 'rejects with a permanent DeliveryError, with a code and no secrets, when the peer refuses permanently',
    async run({ harness, peer, track }) {
      peer.answer('refuse-permanent');
      const err = await expectDeliveryError(track(peer.createStrategy()).send(harness.message(5)));

      expectClassified(err, false, harness.secrets);
      expect(peer.contacts()).toBeGreaterThanOrEqual(1);
      expect(peer.deliveries()).toHaveLength(0);
    },
  },
  {
    title: 'keeps secrets out of a refusal that echoes them at length, wherever the error text is cut',
    async run({ harness, peer, track }) {
      const strategy = track(peer.createStrategy());
      let n = 200;
      for (const secret of harness.secrets) {
        // Strategies shorten provider text for their messages. Back-to-back copies put some
        // copy across any cut; the second, half-shifted echo covers a cut that lands exactly
        // between two copies in the first.
        for (const shift of [0, Math.floor(secret.length / 2)]) {
          peer.answer('refuse-permanent', `${'~'.repeat(shift)}${secret.repeat(Math.ceil(2_000 / secret.length))}`);
          const err = await expectDeliveryError(strategy.send(harness.message(n)));
          n += 1;
          expectClassified(err, false, harness.secrets);
        }
      }
      expect(peer.deliveries()).toHaveLength(0);
    },
  },
  {
    title: 'classifies the two refusals differently and recovers once the peer accepts again',
    async run({ harness, peer, track }) {
      const strategy = track(peer.createStrategy());
      peer.answer('refuse-transient');
      const transient = await expectDeliveryError(strategy.send(harness.message(6)));
      peer.answer('refuse-permanent');
      const permanent = await expectDeliveryError(strategy.send(harness.message(7)));
      peer.answer('accept');
      const accepted = harness.message(8);
      await strategy.send(accepted);

      expect([transient.retryable, permanent.retryable]).toEqual([true, false]);
      expect(peer.deliveries().map((d) => d.messageId)).toEqual([accepted.id]);
    },
  },
  {
    title: 'rejects with a retryable DeliveryError, with a code and no secrets, when the peer is unreachable',
    async run({ harness, peer, track }) {
      const port = await closedPort();
      const err = await expectDeliveryError(track(peer.createUnreachableStrategy(port)).send(harness.message(9)));

      expectClassified(err, true, harness.secrets);
    },
  },
  {
    title: 'gives up promptly and retryably on a hung peer when ctx.signal aborts mid-send',
    async run({ harness, peer, track }) {
      const hung = await peer.createHungStrategy();
      track(hung.strategy);
      const controller = new AbortController();
      const sending = hung.strategy.send(harness.message(10), { attempt: 1, signal: controller.signal });
      // Abort only once the peer holds the attempt, so this measures giving up on a live exchange.
      await hung.reached();
      const abortedAt = Date.now();
      controller.abort(new Error('worker shutting down'));
      const err = await expectDeliveryError(sending);

      expect(Date.now() - abortedAt).toBeLessThan(ABORT_DEADLINE_MS);
      expectClassified(err, true, harness.secrets);
    },
  },
  {
    title: 'gives up promptly and retryably when ctx.signal is already aborted, delivering nothing',
    async run({ harness, peer, track }) {
      const strategy = track(peer.createStrategy());
      const controller = new AbortController();
      controller.abort(new Error('lock lost'));
      const started = Date.now();
      const err = await expectDeliveryError(strategy.send(harness.message(11), { attempt: 2, signal: controller.signal }));

      expect(Date.now() - started).toBeLessThan(ABORT_DEADLINE_MS);
      expectClassified(err, true, harness.secrets);
      // Give a send that wrongly went ahead time to land before checking that none did.
      await sleep(200);
      expect(peer.deliveries()).toHaveLength(0);
    },
  },
  {
    title: 'delivers 20 concurrent sends, each exactly once',
    async run({ harness, peer, track }) {
      const strategy = track(peer.createStrategy());
      const messages = Array.from({ length: 20 }, (_, i) => harness.message(100 + i));
      const results = await Promise.all(messages.map(async (m) => strategy.send(m)));

      expect(results).toHaveLength(20);
      await peer.waitForDeliveries(20);
      // Late duplicates (a retried write, a pool replaying a message) would show up here.
      await sleep(200);
      const deliveries = peer.deliveries();
      expect(deliveries).toHaveLength(20);
      expect(deliveries.map((d) => d.messageId).sort()).toEqual(messages.map((m) => m.id).sort());
      const byId = new Map(messages.map((m) => [m.id, m]));
      for (const delivery of deliveries) {
        const sent = byId.get(delivery.messageId ?? '');
        expect(delivery.recipient).toBe(sent?.recipient);
        expect(delivery.body).toBe(sent?.body);
      }
    },
  },
  {
    title: 'verify() resolves against a live peer (HTTP without contacting the provider)',
    async run({ harness, peer, track }) {
      const strategy = track(peer.createStrategy());
      await expect(strategy.verify?.()).resolves.toBeUndefined();

      expect(peer.deliveries()).toHaveLength(0);
      if (!harness.verifyContactsPeer) expect(peer.contacts()).toBe(0);
    },
  },
  {
    title: 'close() resolves and is idempotent, before and after sending',
    async run({ harness, peer, track }) {
      const unused = track(peer.createStrategy());
      await expect(unused.close?.()).resolves.toBeUndefined();
      await expect(unused.close?.()).resolves.toBeUndefined();

      const used = track(peer.createStrategy());
      await used.send(harness.message(12));
      await expect(used.close?.()).resolves.toBeUndefined();
      await expect(used.close?.()).resolves.toBeUndefined();
      expect(peer.deliveries()).toHaveLength(1);
    },
  },
  {
    title: 'leaves nothing that keeps a process alive once closed (a child process exits on its own)',
    async run({ harness, peer }) {
      const message = harness.message(13);
      const outcome = await runExitProbe(peer.exitProbe(), message);

      expect(outcome.closed, `the child did not get to close(): ${outcome.stderr}`).toBe(true);
      expect(outcome.exitedWithinMs, `the child did not exit within ${EXIT_DEADLINE_MS} ms of close()`).toBeDefined();
      expect(outcome.code, outcome.stderr).toBe(0);
      const [delivery] = await peer.waitForDeliveries(1);
      expect(delivery?.messageId).toBe(message.id);
    },
  },
];

/**
 * Define a `describe` block running every conformance case against one strategy, with a
 * fresh peer per case. Everything a case opens is closed after it, and again after all
 * cases, so a failing case cannot leave a handle that keeps vitest's worker alive.
 */
export function defineDeliveryConformance(harness: ConformanceHarness, options: ConformanceOptions = {}): void {
  const knownFailures = options.knownFailures ?? {};
  const titles = new Set(DELIVERY_CONFORMANCE_CASES.map((c) => c.title));
  for (const title of Object.keys(knownFailures)) {
    if (!titles.has(title)) throw new Error(`knownFailures names no conformance case: "${title}"`);
  }

  describe(`delivery conformance: ${harness.label}`, () => {
    let peer: ConformancePeer | undefined;
    const strategies: DeliveryStrategy[] = [];
    const peers: ConformancePeer[] = [];

    const closeStrategies = async (): Promise<void> => {
      await Promise.allSettled(strategies.splice(0).map(async (s) => s.close?.()));
    };
    const closePeers = async (): Promise<void> => {
      await Promise.allSettled(peers.splice(0).map(async (p) => p.close()));
    };

    beforeEach(async () => {
      peer = await harness.start();
      peers.push(peer);
    });
    afterEach(async () => {
      await closeStrategies();
      await closePeers();
      peer = undefined;
    });
    afterAll(async () => {
      await closeStrategies();
      await closePeers();
    });

    for (const testCase of DELIVERY_CONFORMANCE_CASES) {
      const applies = testCase.appliesTo?.(harness) ?? true;
      const knownFailure = knownFailures[testCase.title];
      const define = !applies ? it.skip : knownFailure !== undefined ? it.fails : it;
      const title = knownFailure === undefined ? testCase.title : `${testCase.title} [known bug: ${knownFailure}]`;
      define(title, async () => {
        if (peer === undefined) throw new Error('peer not started');
        await testCase.run({
          harness,
          peer,
          track(strategy) {
            strategies.push(strategy);
            return strategy;
          },
        });
      });
    }
  });
}
