/**
 * sprig functions whose output is random, so not comparable byte for byte: `encryptAES` / `decryptAES` must
 * interoperate with Go's (Go decrypts ours, we decrypt Go's), `randInt` stays in [min, max) and `shuffle` permutes,
 * here and in Go alike.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
