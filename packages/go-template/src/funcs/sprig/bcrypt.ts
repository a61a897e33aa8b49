/**
 * sprig's `bcrypt` and `htpasswd`: golang.org/x/crypto/bcrypt's GenerateFromPassword (`$2a$`, cost 10, random
 * 16-byte salt) on a Blowfish whose initial P-array and S-boxes (the hex digits of pi) are computed once, on first use.
 * Hashes are random (salted); Go's CompareHashAndPassword accepts them (test/sprig-random.test.ts).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { gf, type FuncMap } from '../types.js';

let PI_WORDS: Uint32Array | null = null;

/** The first 1042 32-bit words of pi's fractional part in hex: Blowfish's P-array (18) and S-boxes (4 x 256). */
function piWords(): Uint32Array {
  if (PI_WORDS) return PI_WORDS;
  const words = 18 + 1024;
  const guard = 64n;
  const bits = BigInt(words * 32) + guard;
  const one = 1n << bits;
  const arctanInv = (x: bigint): bigint => {
    let sum = 0n;
    let term = one / x;
    const x2 = x * x;
    for (let k = 1n, pos = true; term !== 0n; k += 2n, pos = !pos) {
      sum += pos ? term / k : -(term / k);
      term /= x2;
    }
    return sum;
  };
  const pi = 16n * arctanInv(5n) - 4n * arctanInv(239n);
  const frac = (pi - 3n * one) >> guard;
  const out = new Uint32Array(words);
  for (let i = 0; i < words; i++) out[i] = Number((frac >> BigInt((words - 1 - i) * 32)) & 0xffffffffn);
  PI_WORDS = out;
  return out;
}

class Blowfish {
  readonly p: Uint32Array;
  readonly s: Uint32Array; // 4 x 256
  constructor() {
    const w = piWords();
    this.p = w.slice(0, 18);
    this.s = w.slice(18);
  }
  encrypt(l: number, r: number): [number, number] {
    const { p, s } = this;
    let xl = (l ^ p[0]!) >>> 0;
    let xr = r >>> 0;
    for (let i = 1; i <= 16; i += 2) {
      xr ^= ((((s[xl >>> 24]! + s[256 + ((xl >>> 16) & 0xff)]!) >>> 0) ^ s[512 + ((xl >>> 8) & 0xff)]!) + s[768 + (xl & 0xff)]!) ^ p[i]!;
      xr >>>= 0;
      xl ^= ((((s[xr >>> 24]! + s[256 + ((xr >>> 16) & 0xff)]!) >>> 0) ^ s[512 + ((xr >>> 8) & 0xff)]!) + s[768 + (xr & 0xff)]!) ^ p[i + 1]!;
      xl >>>= 0;
    }
    xr = (xr ^ p[17]!) >>> 0;
    return [xr, xl];
  }
  /** expandKeyWithSalt (salt given) or ExpandKey (salt null). */
  expand(key: Uint8Array, salt: Uint8Array | null): void {
    let j = 0;
    const next = (b: Uint8Array): number => {
      let w = 0;
      for (let i = 0; i < 4; i++) {
        w = ((w << 8) | b[j]!) >>> 0;
        j++;
        if (j >= b.length) j = 0;
      }
      return w;
    };
    for (let i = 0; i < 18; i++) this.p[i] = (this.p[i]! ^ next(key)) >>> 0;
    j = 0;
    let l = 0;
    let r = 0;
    const fill = (arr: Uint32Array, from: number, n: number) => {
      for (let i = 0; i < n; i += 2) {
        if (salt) {
          l = (l ^ next(salt)) >>> 0;
          r = (r ^ next(salt)) >>> 0;
        }
        [l, r] = this.encrypt(l, r);
        arr[from + i] = l;
        arr[from + i + 1] = r;
      }
    };
    fill(this.p, 0, 18);
    fill(this.s, 0, 1024);
  }
}

const BC_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const STD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const bcEncode = (b: Uint8Array) => Array.from(Buffer.from(b).toString('base64').replace(/=+$/, ''), (c) => BC_ALPHABET[STD_ALPHABET.indexOf(c)]).join('');
const bcDecode = (s: string) => Buffer.from(Array.from(s, (c) => STD_ALPHABET[BC_ALPHABET.indexOf(c)]).join(''), 'base64');

/** bcrypt(password, cost, encoded salt): the `$2a$CC$` + salt + hash string. */
export function bcryptHash(password: Uint8Array, cost: number, salt22: string): string {
  const csalt = bcDecode(salt22);
  const ckey = new Uint8Array(password.length + 1);
  ckey.set(password);
  const c = new Blowfish();
  c.expand(ckey, csalt);
  for (let i = 0; i < 2 ** cost; i++) {
    c.expand(ckey, null);
    c.expand(csalt, null);
  }
  const data = Buffer.from('OrpheanBeholderScryDoubt');
  for (let i = 0; i < 24; i += 8) {
    let l = data.readUInt32BE(i);
    let r = data.readUInt32BE(i + 4);
    for (let k = 0; k < 64; k++) [l, r] = c.encrypt(l, r);
    data.writeUInt32BE(l, i);
    data.writeUInt32BE(r, i + 4);
  }
  return `$2a$${String(cost).padStart(2, '0')}$${salt22}${bcEncode(data.subarray(0, 23))}`;
}

function bcrypt(input: string): string {
  return bcryptHash(Buffer.from(input, 'utf8'), 10, bcEncode(randomBytes(16)));
}

/** Functions. */
export function bcryptFuncs(): FuncMap {
  return {
    bcrypt: gf(['string'], bcrypt),
    htpasswd: gf(['string', 'string'], (user: string, password: string) => (user.includes(':') ? `invalid username: ${user}` : `${user}:${bcrypt(password)}`)),
  };
}
