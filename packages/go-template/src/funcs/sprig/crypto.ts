/**
 * sprig's random and crypto functions that node:crypto can do as Go does: `randInt`, `shuffle` (random, so only
 * their ranges are checked against Go), `derivePassword` (deterministic: Master Password's scrypt + HMAC),
 * `encryptAES` / `decryptAES` (AES-256-CBC, PKCS#7 padding, random IV, base64; interoperable with Go's),
 * `genPrivateKey` (PEM blocks as sprig writes them: PKCS#1 RSA 4096, SEC1 EC P-256, PKCS#8 Ed25519, sprig's own
 * ASN.1 `DSA PRIVATE KEY` for DSA L2048N256).
 * @module
 */
import { createCipheriv, createDecipheriv, createHmac, generateKeyPairSync, randomBytes, randomInt, scryptSync } from 'node:crypto';
import type { GoNum } from '../../value.js';
import { FuncError, gf, type FuncMap } from '../types.js';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** encoding/base64 StdEncoding.DecodeString, with Go's CorruptInputError offsets. */
function goBase64Decode(s: string): Buffer {
  const src = Buffer.from(s, 'utf8');
  const out: number[] = [];
  const corrupt = (n: number) => new FuncError(`illegal base64 data at input byte ${n}`);
  let si = 0;
  for (;;) {
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let deferred = -1;
    let end = false;
    for (let j = 0; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Buffer.from(out);
        throw corrupt(si - j);
      }
      const c = src[si++]!;
      const v = B64.indexOf(String.fromCharCode(c));
      if (v >= 0 && c < 0x80) {
        dbuf[j] = v;
        continue;
      }
      if (c === 10 || c === 13) {
        j--;
        continue;
      }
      if (c !== 0x3d || j < 2) throw corrupt(si - 1);
      if (j === 2) {
        while (si < src.length && (src[si] === 10 || src[si] === 13)) si++;
        if (si === src.length) throw corrupt(src.length);
        if (src[si] !== 0x3d) throw corrupt(si - 1);
        si++;
      }
      while (si < src.length && (src[si] === 10 || src[si] === 13)) si++;
      if (si < src.length) deferred = si;
      dlen = j;
      end = true;
      break;
    }
    const val = (dbuf[0]! << 18) | (dbuf[1]! << 12) | (dbuf[2]! << 6) | dbuf[3]!;
    const bytes = [(val >> 16) & 0xff, (val >> 8) & 0xff, val & 0xff];
    out.push(...bytes.slice(0, dlen - 1));
    if (deferred >= 0) throw corrupt(deferred);
    if (end) return Buffer.from(out);
  }
}

/** AES-256 key: the password's bytes, zero-padded or cut to 32. */
function aesKey(password: string): Buffer {
  const key = Buffer.alloc(32);
  Buffer.from(password, 'utf8').copy(key, 0, 0, 32);
  return key;
}

function encryptAES(password: string, plaintext: string): string {
  if (plaintext === '') return '';
  const iv = randomBytes(16);
  const c = createCipheriv('aes-256-cbc', aesKey(password), iv); // PKCS#7 padding, as sprig pads
  return Buffer.concat([iv, c.update(plaintext, 'utf8'), c.final()]).toString('base64');
}

function decryptAES(password: string, crypt64: string): string {
  if (crypt64 === '') return '';
  const crypt = goBase64Decode(crypt64);
  const capacity = Math.floor(Buffer.byteLength(crypt64, 'utf8') / 4) * 3;
  if (crypt.length < 16) throw new FuncError(`runtime error: slice bounds out of range [:16] with capacity ${capacity}`);
  const body = crypt.subarray(16);
  if (body.length % 16 !== 0) throw new FuncError('crypto/cipher: input not full blocks');
  if (body.length === 0) throw new FuncError('runtime error: index out of range [-1]');
  const d = createDecipheriv('aes-256-cbc', aesKey(password), crypt.subarray(0, 16));
  d.setAutoPadding(false); // sprig strips the last byte's count without checking the padding
  const decrypted = Buffer.concat([d.update(body), d.final()]);
  const end = decrypted.length - decrypted[decrypted.length - 1]!;
  if (end < 0) throw new FuncError(`runtime error: slice bounds out of range [:${end}]`);
  return decrypted.subarray(0, end).toString('utf8');
}

const MASTER_PASSWORD_SEED = 'com.lyndir.masterpassword';
const PASSWORD_TEMPLATES: Record<string, string[]> = {
  maximum: ['anoxxxxxxxxxxxxxxxxx', 'axxxxxxxxxxxxxxxxxno'],
  long: [
    'CvcvnoCvcvCvcv',
    'CvcvCvcvnoCvcv',
    'CvcvCvcvCvcvno',
    'CvccnoCvcvCvcv',
    'CvccCvcvnoCvcv',
    'CvccCvcvCvcvno',
    'CvcvnoCvccCvcv',
    'CvcvCvccnoCvcv',
    'CvcvCvccCvcvno',
    'CvcvnoCvcvCvcc',
    'CvcvCvcvnoCvcc',
    'CvcvCvcvCvccno',
    'CvccnoCvccCvcv',
    'CvccCvccnoCvcv',
    'CvccCvccCvcvno',
    'CvcvnoCvccCvcc',
    'CvcvCvccnoCvcc',
    'CvcvCvccCvccno',
    'CvccnoCvcvCvcc',
    'CvccCvcvnoCvcc',
    'CvccCvcvCvccno',
  ],
  medium: ['CvcnoCvc', 'CvcCvcno'],
  short: ['Cvcn'],
  basic: ['aaanaaan', 'aannaaan', 'aaannaaa'],
  pin: ['nnnn'],
};
const TEMPLATE_CHARACTERS: Record<string, string> = {
  V: 'AEIOU',
  C: 'BCDFGHJKLMNPQRSTVWXYZ',
  v: 'aeiou',
  c: 'bcdfghjklmnpqrstvwxyz',
  A: 'AEIOUBCDFGHJKLMNPQRSTVWXYZ',
  a: 'AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz',
  n: '0123456789',
  o: "@&%?,=[]_:-+*$#!'^~;()/.",
  x: 'AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()',
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

/** Master Password (sprig's derivePassword). */
function derivePassword(counter: number, passwordType: string, password: string, user: string, site: string): string {
  const templates = Object.hasOwn(PASSWORD_TEMPLATES, passwordType) ? PASSWORD_TEMPLATES[passwordType]! : undefined;
  if (templates === undefined) return `cannot find password template ${passwordType}`;
  const seed0 = Buffer.from(MASTER_PASSWORD_SEED);
  const userB = Buffer.from(user, 'utf8');
  const salt = Buffer.concat([seed0, u32(userB.length), userB]);
  const key = scryptSync(Buffer.from(password, 'utf8'), salt, 64, { N: 32768, r: 8, p: 2, maxmem: 128 * 32768 * 8 * 2 + 1024 * 1024 });
  const siteB = Buffer.from(site, 'utf8');
  const seed = createHmac('sha256', key)
    .update(Buffer.concat([seed0, u32(siteB.length), siteB, u32(counter)]))
    .digest();
  const temp = templates[seed[0]! % templates.length]!;
  let out = '';
  for (let i = 0; i < temp.length; i++) {
    const chars = TEMPLATE_CHARACTERS[temp[i]!]!;
    out += chars[seed[i + 1]! % chars.length];
  }
  return out;
}

// ---- genPrivateKey ----
/** Reads one DER TLV at `at`: [tag, content start, end]. */
function tlv(b: Buffer, at: number): [number, number, number] {
  const tag = b[at]!;
  let len = b[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i]!;
    start += n;
  }
  return [tag, start, start + len];
}
function derLen(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let x = n; x > 0; x = Math.floor(x / 256)) bytes.unshift(x % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
function derInt(n: bigint): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let body = Buffer.from(hex, 'hex');
  if (body[0]! & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return Buffer.concat([Buffer.from([0x02]), derLen(body.length), body]);
}
const big = (b: Buffer) => BigInt('0x' + (b.toString('hex') || '0'));
function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  for (; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
}
function pem(type: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}
/** sprig's DSAKeyFormat {Version, P, Q, G, Y, X} from a PKCS#8 DSA key. */
function dsaKey(): string {
  const der = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }).privateKey.export({ type: 'pkcs8', format: 'der' });
  const [, seq] = tlv(der, 0);
  const [, , verEnd] = tlv(der, seq);
  const [, alg, algEnd] = tlv(der, verEnd);
  const [, , oidEnd] = tlv(der, alg);
  const [, params] = tlv(der, oidEnd);
  const [, pS, pE] = tlv(der, params);
  const [, qS, qE] = tlv(der, pE);
  const [, gS, gE] = tlv(der, qE);
  const [, oct] = tlv(der, algEnd);
  const [, xS, xE] = tlv(der, oct);
  const [p, q, g, x] = [big(der.subarray(pS, pE)), big(der.subarray(qS, qE)), big(der.subarray(gS, gE)), big(der.subarray(xS, xE))];
  const body = Buffer.concat([derInt(0n), derInt(p), derInt(q), derInt(g), derInt(modPow(g, x, p)), derInt(x)]);
  return pem('DSA PRIVATE KEY', Buffer.concat([Buffer.from([0x30]), derLen(body.length), body]));
}
function generatePrivateKey(typ: string): string {
  switch (typ) {
    case '':
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: 4096 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    case 'dsa':
      return dsaKey();
    case 'ecdsa':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }) as string;
    case 'ed25519':
      return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  }
  return 'Unknown type ' + typ;
}

/** Functions. */
export function cryptoFuncs(): FuncMap {
  return {
    randInt: gf(['int', 'int'], (min: number, max: number) => {
      if (max - min <= 0) throw new FuncError('invalid argument to Intn');
      return min + (max - min <= 2 ** 48 ? randomInt(max - min) : Math.floor(Math.random() * (max - min)));
    }),
    shuffle: gf(['string'], (s: string) => {
      const r = Array.from(s);
      for (let i = r.length - 1; i > 0; i--) {
        const j = randomInt(i + 1);
        [r[i], r[j]] = [r[j]!, r[i]!];
      }
      return r.join('');
    }),
    derivePassword: gf(['uint32', 'string', 'string', 'string', 'string'], (c: GoNum, t: string, p: string, u: string, s: string) => derivePassword(c.v, t, p, u, s)),
    encryptAES: gf(['string', 'string'], encryptAES),
    decryptAES: gf(['string', 'string'], decryptAES),
    genPrivateKey: gf(['string'], generatePrivateKey),
  };
}
