/**
 * The request an HTTP delivery sends, prepared once per request_config
 * (delivery/http/request.ts), and the Jsonnet error helpers of the batch renderer
 * (jsonnet/batch/errors.ts): pure units, tested on their own.
 */
import { describe, expect, it } from 'vitest';
import { requestConfigSchema } from '../src/config/schema.js';
import { headersFor, MESSAGE_ID_HEADER, prepareRequest } from '../src/delivery/http/request.js';
import { collectStrings, contextError, describeJsonnetError, renderError } from '../src/jsonnet/batch/errors.js';
import { TEMPLATE_PREFIX } from '../src/jsonnet/vm.js';

const config = (input: Record<string, unknown>) => requestConfigSchema.parse({ url: 'https://api.example.test/send', ...input });

describe('prepareRequest', () => {
  it('applies Kratos defaults and basic auth, and knows which values are credentials', () => {
    const r = prepareRequest(config({ auth: { type: 'basic_auth', config: { user: 'api', password: 'pa55word-x' } } }));
    expect(r.label).toBe('POST api.example.test');
    expect(r.headers).toMatchObject({ accept: '*/*', 'user-agent': 'node', 'content-type': 'application/json' });
    const basic = Buffer.from('api:pa55word-x').toString('base64');
    expect(r.headers['authorization']).toBe(`Basic ${basic}`);
    expect(r.secrets).toEqual(expect.arrayContaining(['pa55word-x', basic, `Basic ${basic}`]));
    expect(r.credentialHeaders.has('authorization')).toBe(true);
    expect(r.credentialHeaders.has('content-type')).toBe(false);
    expect(r.isForm).toBe(false);
    expect(r.sendsBody).toBe(true);
  });

  it('puts an api_key in a cookie (quoted as Go does) or a header, and form-encodes by content type', () => {
    const cookie = prepareRequest(
      config({
        headers: { Cookie: 'a=b', 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
        auth: { type: 'api_key', config: { name: 'k', value: 'v 1,2', in: 'cookie' } },
      }),
    );
    expect(cookie.headers['cookie']).toBe('a=b; k="v 1,2"');
    expect(cookie.isForm).toBe(true);
    const header = prepareRequest(config({ method: 'GET', auth: { type: 'api_key', config: { name: 'X-Api-Key', value: 'key-123456', in: 'header' } } }));
    expect(header.headers['x-api-key']).toBe('key-123456');
    expect(header.credentialHeaders.has('x-api-key')).toBe(true);
    expect(header.sendsBody).toBe(false);
  });

  it('adds the message id header unless the configuration sets it', () => {
    const r = prepareRequest(config({}));
    expect(headersFor(r, 'm-1')[MESSAGE_ID_HEADER.toLowerCase()]).toBe('m-1');
    const fixed = prepareRequest(config({ headers: { [MESSAGE_ID_HEADER]: 'static' } }));
    expect(headersFor(fixed, 'm-1')[MESSAGE_ID_HEADER.toLowerCase()]).toBe('static');
    expect(fixed.credentialHeaders.has(MESSAGE_ID_HEADER.toLowerCase())).toBe(false);
  });

  it('sends the message id as the idempotency key: Idempotency-Key by default, a configured name, or none', () => {
    expect(headersFor(prepareRequest(config({})), 'm-1')['idempotency-key']).toBe('m-1');
    const named = headersFor(prepareRequest(config({ idempotency_header: 'X-Request-Id' })), 'm-2');
    expect(named['x-request-id']).toBe('m-2');
    expect(named['idempotency-key']).toBeUndefined();
    const none = headersFor(prepareRequest(config({ idempotency_header: '' })), 'm-3');
    expect(Object.keys(none).filter((k) => k === 'idempotency-key')).toEqual([]);
    expect(none[MESSAGE_ID_HEADER.toLowerCase()]).toBe('m-3');
    // A configured header of that name wins.
    expect(headersFor(prepareRequest(config({ headers: { 'idempotency-key': 'fixed' } })), 'm-4')['idempotency-key']).toBe('fixed');
  });
});

describe('Jsonnet batch errors', () => {
  it('shifts line-1 columns back by the wrapper and names positions past the template "end of template"', () => {
    const col = TEMPLATE_PREFIX.length + 5;
    expect(describeJsonnetError(`STATIC ERROR: t.jsonnet:1:${col}: bad`, 't.jsonnet', 'x')).toBe('STATIC ERROR: t.jsonnet:1:5: bad');
    expect(describeJsonnetError('STATIC ERROR: t.jsonnet:3:1: bad', 't.jsonnet', 'one line')).toBe('STATIC ERROR: t.jsonnet:end of template: bad');
  });

  it('never repeats a context string in a render error, and keeps short ones', () => {
    const ctx = { code: '482913', nested: [{ link: 'https://x.test/r?t=482913' }], n: 'abc' };
    expect(collectStrings(ctx)).toEqual(['482913', 'https://x.test/r?t=482913']);
    const err = renderError('t.jsonnet', 'RUNTIME ERROR: no https://x.test/r?t=482913 or 482913 for abc', 'x', ctx);
    expect(err.code).toBe('TEMPLATE_RENDER_FAILED');
    expect(err.message).toBe('Jsonnet template t.jsonnet failed: RUNTIME ERROR: no [redacted] or [redacted] for abc');
  });

  it('reports a context Jsonnet cannot parse without its position in the batch', () => {
    const err = contextError('t.jsonnet', 'STATIC ERROR: <extvar:__courier_ctxs>:1:5-9: unexpected thing\nmore');
    expect(err.message).toBe("this message's data cannot be handed to Jsonnet template t.jsonnet: unexpected thing");
  });
});
