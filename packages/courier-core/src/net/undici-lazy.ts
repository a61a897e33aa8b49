/**
 * undici, loaded on first use: only a process that makes outbound HTTP requests
 * (an HTTP channel, a template fetched over HTTP) pays for loading it (~0.1-0.2 s
 * of CPU at start-up otherwise). undici is CommonJS, so `require` loads it
 * synchronously where it is first needed; its types come from a type-only import.
 */
import { createRequire } from 'node:module';

type Undici = typeof import('undici');

let loaded: Undici | undefined;

/** The undici module, loaded on the first call. */
export function undici(): Undici {
  return (loaded ??= createRequire(import.meta.url)('undici') as Undici);
}
