/**
 * sprig functions whose output is random, so not comparable byte for byte: `encryptAES` / `decryptAES` must
 * interoperate with Go's (Go decrypts ours, we decrypt Go's), `randInt` stays in [min, max) and `shuffle` permutes,
 * here and in Go alike; `bcrypt` / `htpasswd` hashes must be accepted by Go's golang.org/x/crypto/bcrypt
 * and `genPrivateKey` keys parsed by Go's x509 (test/go-check/main.go, built like the reference renderer).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bcryptHash } from '../src/funcs/sprig/bcrypt.js';
import { GoRef, runTs, tc } from './go-ref.js';

let go: GoRef;
beforeAll(() => {
  go = new GoRef();
});
afterAll(() => go?.close());

const SAMPLES: [string, string][] = [
  ['secretkey', 'plaintext'],
  ['', 'empty password'],
  ['a-password-longer-than-thirty-two-bytes!!', 'x'],
  ['pässwörd', 'ünïcödé <b>&amp;</b> 🙂'],
  ['k', '0123456789abcdef'],
  ['k', 'a'.repeat(100)],
];

describe('encryptAES / decryptAES interoperate with Go', () => {
  it('Go decrypts what we encrypt', async () => {
    for (const [pw, text] of SAMPLES) {
      const ours = runTs(tc('{{encryptAES .pw .text}}', { pw, text }));
      expect(ours.ok).toBe(true);
      expect(ours.out).not.toBe(text);
      const back = await go.render(tc('{{decryptAES .pw .c}}', { pw, c: ours.out }));
      expect(back).toEqual({ ok: true, out: text });
    }
  });

  it('we decrypt what Go encrypts', async () => {
    for (const [pw, text] of SAMPLES) {
      const theirs = await go.render(tc('{{encryptAES .pw .text}}', { pw, text }));
      expect(theirs.ok).toBe(true);
      expect(runTs(tc('{{decryptAES .pw .c}}', { pw, c: theirs.out }))).toEqual({ ok: true, out: text });
    }
  });

  it('a fresh IV each time', () => {
    const a = runTs(tc('{{encryptAES "k" "same"}}'));
    const b = runTs(tc('{{encryptAES "k" "same"}}'));
    expect(a.out).not.toBe(b.out);
  });
});

describe('randInt and shuffle', () => {
  it('randInt min max is in [min, max), as in Go', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 1, max: 1000 }), async (min, span) => {
        const src = `{{randInt ${min} ${min + span}}}`;
        for (const r of [runTs(tc(src)), await go.render(tc(src))]) {
          expect(r.ok).toBe(true);
          const n = Number(r.out);
          expect(Number.isInteger(n) && n >= min && n < min + span).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('randInt covers its range', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(runTs(tc('{{randInt 0 4}}')).out);
    expect([...seen].sort()).toEqual(['0', '1', '2', '3']);
  });

  it('shuffle permutes the runes, as in Go', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 30 }), async (s) => {
        const sorted = (x: string) => Array.from(x).sort().join('');
        for (const r of [runTs(tc('{{shuffle .}}', s)), await go.render(tc('{{shuffle .}}', s))]) {
          expect(r.ok).toBe(true);
          expect(sorted(r.out)).toBe(sorted(s));
        }
      }),
      { numRuns: 200 },
    );
  });
});

/** Runs requests through test/go-check/main.go (Go's bcrypt, x509, pem, dsa): one answer line each. */
function goCheck(requests: object[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'go-check-'));
  copyFileSync(join(dirname(fileURLToPath(import.meta.url)), 'go-check/main.go'), join(dir, 'main.go'));
  const env = { ...process.env, GO111MODULE: 'off', GOPATH: '/usr/share/gocode', GOFLAGS: '', GOCACHE: process.env.GOCACHE ?? join(tmpdir(), 'go-template-gocache') };
  execFileSync('go', ['build', '-o', join(dir, 'go-check'), '.'], { cwd: dir, env, stdio: 'pipe' });
  const input = requests.map((r) => JSON.stringify(r)).join('\n') + '\n';
  return execFileSync(join(dir, 'go-check'), [], { input, encoding: 'utf8' }).trim().split('\n');
}

describe('bcrypt and htpasswd', () => {
  it('known answers of x/crypto/bcrypt (bcrypt_test.go)', () => {
    expect(bcryptHash(Buffer.from('allmine'), 10, 'XajjQvNhvvRt5GSeFk1xFe')).toBe('$2a$10$XajjQvNhvvRt5GSeFk1xFeyqRrsxkhBkUiQeg0dt.wU1qD4aFDcga');
    expect(bcryptHash(Buffer.from('012345678901234567890123456789012345678901234567890123456'), 10, 'XajjQvNhvvRt5GSeFk1xFe')).toBe(
      '$2a$10$XajjQvNhvvRt5GSeFk1xFe5l47dONXg781AmZtd869sO8zfsHuw7C',
    );
  });

  it('Go accepts our hashes (and rejects a wrong password)', () => {
    const passwords = ['secret', '', 'pässwörd 🙂', 'x'.repeat(80)];
    const hashes = passwords.map((p) => runTs(tc('{{bcrypt .}}', p)));
    for (const h of hashes) expect(h.out).toMatch(/^\$2a\$10\$[./A-Za-z0-9]{53}$/);
    const htp = runTs(tc('{{htpasswd "ann" "pw"}}'));
    expect(htp.out).toMatch(/^ann:\$2a\$10\$/);
    const pairs: [string, string][] = [...hashes.map((h, i): [string, string] => [h.out, passwords[i]!]), [htp.out.slice(4), 'pw'], [hashes[0]!.out, 'wrong']];
    expect(goCheck(pairs.map(([hash, password]) => ({ op: 'bcrypt', hash, password })))).toEqual([
      ...passwords.map(() => 'ok'),
      'ok',
      'crypto/bcrypt: hashedPassword is not the hash of the given password',
    ]);
  }, 60_000);

  it('htpasswd rejects a username with a colon as sprig does', async () => {
    const c = tc('{{htpasswd "a:b" "pw"}}');
    expect(runTs(c)).toEqual(await go.render(c));
  });
});

describe('genPrivateKey', () => {
  it("keys Go parses, of the types and sizes sprig generates, in Go's PEM layout", async () => {
    const types = ['ecdsa', 'ed25519', '', 'dsa']; // '' is 'rsa' (RSA 4096 takes seconds: once)
    const ours = types.map((t) => runTs(tc(`{{genPrivateKey "${t}"}}`)));
    for (const r of ours) expect(r.ok).toBe(true);
    expect(goCheck(ours.map((r) => ({ op: 'key', pem: r.out })))).toEqual(['ecdsa P-256', 'ed25519', 'rsa 4096', 'dsa 2048 256']);
    // Go's own output describes the same (ecdsa and ed25519: quick to generate)
    const theirs = await Promise.all(['ecdsa', 'ed25519'].map((t) => go.render(tc(`{{genPrivateKey "${t}"}}`))));
    expect(goCheck(theirs.map((r) => ({ op: 'key', pem: r.out })))).toEqual(['ecdsa P-256', 'ed25519']);
  }, 120_000);

  it('an unknown type is reported as sprig does', async () => {
    const c = tc('{{genPrivateKey "foo"}}');
    expect(runTs(c)).toEqual(await go.render(c));
  });
});

describe('ago (reads the clock)', () => {
  const seconds = (s: string) => {
    const m = /^(?:(\d+)h)?(?:(\d+)m)?(\d+)s$/.exec(s);
    return m ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3]) : NaN;
  };
  it('the time since a Unix time or a time.Time, rounded to seconds, as Go says within a second or two', async () => {
    const then = Math.floor(Date.now() / 1000) - 3725;
    for (const src of [
      `{{ago ${then}}}`,
      `{{ago (int64 ${then})}}`,
      `{{ago (toDate "2006-01-02 15:04:05" "${new Date(then * 1000).toISOString().slice(0, 19).replace('T', ' ')}")}}`,
    ]) {
      const ours = seconds(runTs(tc(src)).out);
      const theirs = seconds((await go.render(tc(src))).out);
      expect(Math.abs(ours - 3725)).toBeLessThanOrEqual(3);
      expect(Math.abs(ours - theirs)).toBeLessThanOrEqual(2);
    }
  });
});
