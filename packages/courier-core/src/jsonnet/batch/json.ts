/** The JSON that crosses into and out of libjsonnet: contexts going in, results coming back. */

/** `\uXXXX` escapes of lone surrogates, not themselves escaped (preceded by an even number of backslashes). */
const LONE_SURROGATE_ESCAPE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g;

/**
 * JSON text whose strings are all well-formed UTF-16. `JSON.stringify` writes a
 * lone surrogate as a `\udXXX` escape (paired ones are written as they are),
 * which Jsonnet refuses for the whole batch; such escapes become U+FFFD, as
 * `String.prototype.toWellFormed` would make them. The API refuses such strings;
 * this keeps a job written before that check from failing others.
 */
export function wellFormedJson(json: string | undefined): string | undefined {
  if (json === undefined || !json.includes('\\ud')) return json;
  return json.replace(LONE_SURROGATE_ESCAPE, '$1\\ufffd');
}

/** Contexts (each already JSON text) as one JSON array. */
export function contextsArray(contexts: readonly string[]): string {
  return `[${contexts.join(',')}]`;
}

/** Parse an evaluation's output: a JSON array with one result per context. */
export function parseResults(out: string, count: number): unknown[] {
  const parsed: unknown = JSON.parse(out);
  if (!Array.isArray(parsed) || parsed.length !== count) {
    throw new Error('Jsonnet batch returned an unexpected shape');
  }
  return parsed;
}
