/**
 * UUIDv7 generation for message ids, with the same layout and ordering as the
 * `uuid` package's `v7()`: 48-bit Unix milliseconds, then a 32-bit sequence
 * seeded from random bits on each new millisecond and incremented within one
 * (overflowing into the next millisecond), then random bits. Ids made by one
 * process therefore sort, as text, in the order they were made.
 *
 * Unlike `uuid` (one `crypto.getRandomValues` call per id, ~6 us each), random
 * bytes are drawn from a pool refilled in large blocks.
 */
import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 16 * 256;
const pool = new Uint8Array(POOL_SIZE);
let poolAt = POOL_SIZE;

const HEX = Array.from({ length: 256 }, (_, i) => (i + 0x100).toString(16).slice(1));

let lastMs = -Infinity;
let seq = 0;

/** A new UUIDv7, monotonic within this process (see the module comment). */
export function uuidv7(): string {
  if (poolAt + 16 > POOL_SIZE) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const r = poolAt;
  poolAt += 16;
  const now = Date.now();
  if (now > lastMs) {
    seq = ((pool[r + 6]! & 0x7f) << 24) | (pool[r + 7]! << 16) | (pool[r + 8]! << 8) | pool[r + 9]!;
    lastMs = now;
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) lastMs++;
  }
  const ms = lastMs;
  return (
    HEX[(ms / 0x10000000000) & 0xff]! +
    HEX[(ms / 0x100000000) & 0xff]! +
    HEX[(ms / 0x1000000) & 0xff]! +
    HEX[(ms / 0x10000) & 0xff]! +
    '-' +
    HEX[(ms / 0x100) & 0xff]! +
    HEX[ms & 0xff]! +
    '-' +
    HEX[0x70 | ((seq >>> 28) & 0x0f)]! +
    HEX[(seq >>> 20) & 0xff]! +
    '-' +
    HEX[0x80 | ((seq >>> 14) & 0x3f)]! +
    HEX[(seq >>> 6) & 0xff]! +
    '-' +
    HEX[((seq << 2) & 0xff) | (pool[r + 10]! & 0x03)]! +
    HEX[pool[r + 11]!]! +
    HEX[pool[r + 12]!]! +
    HEX[pool[r + 13]!]! +
    HEX[pool[r + 14]!]! +
    HEX[pool[r + 15]!]!
  );
}
