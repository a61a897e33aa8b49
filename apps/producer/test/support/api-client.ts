/**
 * A test client for a running producer that checks every response against the
 * producer's own OpenAPI document (served at /openapi.json), so the document is
 * kept true by every test that uses it.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'vitest';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

/** A response with its parsed body. */
export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

type Operation = { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> };

/** Client bound to a base URL and key, validating responses. */
export interface ApiClient {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies of any route, untyped; the tests assert their shape.
  request<T = any>(method: string, path: string, options?: { body?: unknown; rawBody?: string; headers?: Record<string, string>; auth?: string | null }): Promise<ApiResponse<T>>;
  /** How many responses were validated against the document so far. */
  readonly validated: Map<string, number>;
}

function templateFor(paths: Record<string, unknown>, path: string): string | undefined {
  const clean = path.split('?')[0] ?? path;
  if (clean in paths) return clean;
  return Object.keys(paths).find((t) => {
    const re = new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    return re.test(clean);
  });
}

/** Create a client; loads /openapi.json once. */
export async function createApiClient(baseUrl: string, apiKey: string): Promise<ApiClient> {
  const docRes = await fetch(`${baseUrl}/openapi.json`, { headers: { authorization: `Bearer ${apiKey}` } });
  expect(docRes.status).toBe(200);
  const doc = (await docRes.json()) as { paths: Record<string, Record<string, Operation>> };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, 'openapi');
  const validated = new Map<string, number>();

  return {
    validated,
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.auth !== null) headers['authorization'] = options.auth ?? `Bearer ${apiKey}`;
      let body: string | undefined = options.rawBody;
      if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
      const text = await res.text();
      const parsed: unknown = text === '' ? undefined : JSON.parse(text);
      const template = templateFor(doc.paths, path);
      if (template === undefined) throw new Error(`path ${path} is not in the OpenAPI document`);
      const op = doc.paths[template]?.[method.toLowerCase()];
      if (op === undefined) throw new Error(`${method} ${template} is not in the OpenAPI document`);
      const response = op.responses?.[String(res.status)];
      if (response === undefined) throw new Error(`${method} ${template} answered ${res.status}, which the OpenAPI document does not list`);
      const schema = response.content?.['application/json']?.schema;
      if (schema !== undefined) {
        const escaped = template.replace(/~/g, '~0').replace(/\//g, '~1');
        const pointer = `openapi#/paths/${escaped}/${method.toLowerCase()}/responses/${res.status}/content/application~1json/schema`;
        const validate = ajv.getSchema(pointer);
        if (validate === undefined) throw new Error(`no schema at ${pointer}`);
        if (!validate(parsed)) {
          throw new Error(`${method} ${path} ${res.status} does not match the OpenAPI document: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 500)}`);
        }
        const key = `${method} ${template} ${res.status}`;
        validated.set(key, (validated.get(key) ?? 0) + 1);
      }
      return { status: res.status, headers: res.headers, body: parsed as never };
    },
  };
}
