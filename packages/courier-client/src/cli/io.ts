/**
 * What a CLI run touches of the outside world, passed in so `runCli` can be
 * driven from tests and never reads `process` itself.
 */
import { UsageError, stringOption, type OptionValues } from './args.js';
import { createCourierClient } from '../client.js';
import type { CourierClient } from '../types.js';

/** The CLI's outside world. */
export interface CliIo {
  /** Write to standard output (text is written as given). */
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths are taken from. */
  readonly cwd: string;
  /** Aborted when the user stops the CLI (Ctrl-C); long-running commands (`templates preview --serve`) end then. */
  readonly signal?: AbortSignal;
  /** A fetch to use instead of the global one. */
  readonly fetch?: typeof globalThis.fetch;
}

/** The server used when neither `--url` nor `COURIER_URL` is given. */
const DEFAULT_URL = 'http://127.0.0.1:4000';

/**
 * A client from `--url`/`COURIER_URL` and `--api-key`/`COURIER_API_KEY`.
 *
 * @throws UsageError when no key is given or the URL is unusable.
 */
export function clientFrom(values: OptionValues, io: CliIo): CourierClient {
  const baseUrl = stringOption(values, 'url') ?? (io.env['COURIER_URL'] || DEFAULT_URL);
  const apiKey = stringOption(values, 'api-key') ?? io.env['COURIER_API_KEY'];
  if (apiKey === undefined || apiKey === '') {
    throw new UsageError('no API key: set COURIER_API_KEY (or pass --api-key)');
  }
  try {
    return createCourierClient({ baseUrl, apiKey, ...(io.fetch === undefined ? {} : { fetch: io.fetch }) });
  } catch (err) {
    // createCourierClient's messages name the bad option, never its value.
    throw new UsageError(err instanceof Error ? err.message.replace(/^baseUrl/, '--url / COURIER_URL').replace(/^apiKey/, 'the API key') : String(err));
  }
}
