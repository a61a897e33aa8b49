/**
 * A request body that marks the HTTP hand-over. undici pulls a body only once the
 * request's headers are on the connection, so the caller's check runs there, before a
 * byte of the body is written (a throw fails the request; the provider gets an
 * incomplete request it cannot act on); when the last chunk was taken, the request
 * counts as written in full, and a failure after that without a response leaves the
 * outcome unknown. The body is an iterable that starts over on each iteration (a 307/308
 * redirect sends it again), so it needs an explicit `content-length` (undici checks it).
 */

/** What the body reports back. */
export interface HandOverBody extends AsyncIterable<Uint8Array> {
  /** The body's length in bytes, for the `content-length` header. */
  readonly length: number;
  /** True once every byte of the body was taken by the connection (on any hop). */
  readonly written: boolean;
}

/** Wrap `payload` so that `check` runs before its first byte is written. */
export function handOverBody(payload: string, check: () => void): HandOverBody {
  const bytes = Buffer.from(payload, 'utf8');
  let written = false;
  return {
    length: bytes.length,
    get written() {
      return written;
    },
    async *[Symbol.asyncIterator]() {
      check();
      yield bytes;
      written = true;
    },
  };
}
