import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, configWarnings, envKeys, configSchema, loadConfig, parseConfig, parseSmtpConnectionUri } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'courier-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const KRATOS_YAML = `
# A Kratos config with keys Courier does not use: they must be ignored.
dsn: memory
serve:
  public:
    base_url: http://127.0.0.1:4433/
courier:
  delivery_strategy: smtp
  smtp:
    connection_uri: smtps://user%40example.com:p%3Ass%2Fw0rd@mail.example.com:465/?skip_ssl_verify=true&server_name=mx.example.com
    from_address: accounts@example.com
    from_name: Example Accounts
    headers:
      X-SES-CONFIGURATION-SET: LoginNotifications
    local_name: courier.example.com
  channels:
    - id: sms
      type: http
      request_config:
        url: https://sms.example.com/send
        method: post
        body: base64://ZnVuY3Rpb24oY3R4KSB7IHRvOiBjdHgucmVjaXBpZW50IH0=
        headers:
          Content-Type: application/x-www-form-urlencoded
        auth:
          type: basic_auth
          config:
            user: AC123
            password: sms-secret
  template_override_path: /conf/courier-templates
  templates:
    recovery_code:
      valid:
        email:
          subject: file:///conf/recovery_code/valid/email.subject.hbs
          body:
            html: base64://PGI+e3tyZWNvdmVyeV9jb2RlfX08L2I+
            plaintext: https://templates.example.com/recovery.txt
    login_code:
      valid:
        sms:
          body:
            plaintext: file://./templates/login.sms.hbs
  message_retries: 7
  worker:
    pull_count: 10
`;

describe('loadConfig', () => {
  it('loads a Kratos config file as it is, ignoring keys outside the courier section', () => {
    const config = loadConfig({ path: writeConfig('kratos.yml', KRATOS_YAML) });
    expect(config.courier.delivery_strategy).toBe('smtp');
    expect(config.courier.smtp.from_name).toBe('Example Accounts');
    expect(config.courier.smtp.headers).toEqual({ 'X-SES-CONFIGURATION-SET': 'LoginNotifications' });
    expect(config.courier.message_retries).toBe(7);
    const sms = config.courier.channels[0];
    expect(sms?.type).toBe('http');
    expect(sms?.type === 'http' && sms.request_config.method).toBe('POST');
    expect(sms?.type === 'http' && sms.request_config.auth).toEqual({
      type: 'basic_auth',
      config: { user: 'AC123', password: 'sms-secret' },
    });
    expect(config.courier.templates.recovery_code?.valid?.email?.body?.html).toMatch(/^base64:/);
    expect(config.courier.templates.login_code?.valid?.sms?.body?.plaintext).toBe('file://./templates/login.sms.hbs');
    expect(config.redis.prefix).toBe('{courier}');
  });

  it('applies defaults: smtp strategy, 5 retries, concurrency 50, 7-day retention', () => {
    const config = loadConfig({ env: { COURIER_SMTP_CONNECTION_URI: 'smtp://127.0.0.1:1025/?disable_starttls=true' } });
    expect(config.courier.delivery_strategy).toBe('smtp');
    expect(config.courier.message_retries).toBe(5);
    expect(config.worker.concurrency).toBe(50);
    expect(config.retention.finished_ttl_seconds).toBe(7 * 24 * 3600);
    expect(config.producer.port).toBe(4000);
    // Courier's extensions: the SMTP pool and the crash-recovery timings (BENCHMARKS.md).
    expect(config.courier.smtp.pool).toEqual({ max_connections: 10, max_messages: 1_000 });
    expect(config.worker.lock_duration_ms).toBe(5_000);
    expect(config.worker.stalled_interval_ms).toBe(1_000);
  });

  it('takes courier.smtp.pool and refuses bad values', () => {
    const smtp = { connection_uri: 'smtp://127.0.0.1:1025/?disable_starttls=true' };
    expect(parseConfig({ courier: { smtp: { ...smtp, pool: { max_connections: 3 } } } }).courier.smtp.pool).toEqual({ max_connections: 3, max_messages: 1_000 });
    expect(() => parseConfig({ courier: { smtp: { ...smtp, pool: { max_connections: 0 } } } })).toThrow(/courier\.smtp\.pool\.max_connections/);
    expect(() => parseConfig({ courier: { smtp: { ...smtp, pool: { size: 3 } } } })).toThrow();
  });

  it('reads the file named by COURIER_CONFIG, JSON as well as YAML', () => {
    const path = writeConfig('c.json', JSON.stringify({ courier: { delivery_strategy: 'http', http: { request_config: { url: 'http://127.0.0.1:9/x' } } } }));
    const config = loadConfig({ env: { COURIER_CONFIG: path } });
    expect(config.courier.delivery_strategy).toBe('http');
    expect(config.courier.http.request_config?.method).toBe('POST');
    expect(config.courier.http.request_config?.timeout_ms).toBe(10_000);
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({ env: { COURIER_SMTP_CONNECTION_URI: 'smtp://127.0.0.1:1025/' } });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.courier.smtp)).toBe(true);
    expect(() => {
      (config.courier as { message_retries: number }).message_retries = 1;
    }).toThrow(TypeError);
  });

  it('lets Kratos-style environment variables override the file', () => {
    const path = writeConfig('override.yml', KRATOS_YAML);
    const config = loadConfig({
      env: {
        COURIER_CONFIG: path,
        COURIER_SMTP_CONNECTION_URI: 'smtp://127.0.0.1:2525/?disable_starttls=true',
        COURIER_SMTP_FROM_ADDRESS: 'other@example.com',
        COURIER_MESSAGE_RETRIES: '2',
        COURIER_SMTP_HEADERS: '{"X-Tag":"a"}',
        COURIER_TEMPLATES_RECOVERY_CODE_VALID_EMAIL_SUBJECT: 'base64://eA==',
        REDIS_URL: 'redis://10.0.0.1:6380',
        WORKER_CONCURRENCY: '8',
        COURIER_API_KEYS: 'key-aaaaaaaaaaaaaaaa, key-bbbbbbbbbbbbbbbb',
        PORT: '4100',
      },
    });
    expect(config.courier.smtp.connection_uri).toBe('smtp://127.0.0.1:2525/?disable_starttls=true');
    expect(config.courier.smtp.from_address).toBe('other@example.com');
    expect(config.courier.smtp.from_name).toBe('Example Accounts');
    expect(config.courier.message_retries).toBe(2);
    expect(config.courier.smtp.headers).toEqual({ 'X-Tag': 'a' });
    expect(config.courier.templates.recovery_code?.valid?.email?.subject).toBe('base64://eA==');
    expect(config.courier.templates.recovery_code?.valid?.email?.body?.html).toMatch(/^base64:/);
    expect(config.redis.url).toBe('redis://10.0.0.1:6380');
    expect(config.worker.concurrency).toBe(8);
    expect(config.producer.api_keys).toEqual(['key-aaaaaaaaaaaaaaaa', 'key-bbbbbbbbbbbbbbbb']);
    expect(config.producer.port).toBe(4100);
  });

  it('takes COURIER_CHANNELS as JSON', () => {
    const config = loadConfig({
      env: {
        COURIER_SMTP_CONNECTION_URI: 'smtp://127.0.0.1:1025/',
        COURIER_CHANNELS: JSON.stringify([{ id: 'sms', type: 'http', request_config: { url: 'http://127.0.0.1:1/sms' } }]),
      },
    });
    expect(config.courier.channels.map((c) => c.id)).toEqual(['sms']);
  });

  it('derives every variable name from the key path', () => {
    const names = envKeys(configSchema).map((k) => k.variable);
    expect(names).toContain('COURIER_SMTP_CONNECTION_URI');
    expect(names).toContain('COURIER_HTTP_REQUEST_CONFIG_URL');
    expect(names).toContain('COURIER_TEMPLATE_OVERRIDE_PATH');
    expect(names).toContain('COURIER_DELIVERY_STRATEGY');
    expect(names).toContain('REDIS_URL');
  });
});

describe('bad configuration', () => {
  it('names every bad key path and why', () => {
    const path = writeConfig(
      'bad.yml',
      `courier:
  delivery_strategy: carrier-pigeon
  message_retries: -1
  smtp:
    connection_uri: ftp://user:hunter2secret@host/
    from_address: not-an-address
  channels:
    - id: sms
      type: grpc
      request_config:
        url: http://127.0.0.1/x
  templates:
    recovery_code:
      valid:
        email:
          subject: ftp://x/y
worker:
  concurrency: 0
`,
    );
    const err = configErrorOf(() => loadConfig({ path }));
    const paths = err.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'courier.delivery_strategy',
        'courier.message_retries',
        'courier.smtp.connection_uri',
        'courier.smtp.from_address',
        'courier.channels.0.type',
        'courier.templates.recovery_code.valid.email.subject',
        'worker.concurrency',
      ]),
    );
    expect(err.message).toContain('courier.delivery_strategy');
    expect(err.message).toContain('expected "smtp" or "smtps"');
    expect(err.message).not.toContain('hunter2secret');
  });

  it('rejects unknown keys inside the courier section (typos surface)', () => {
    const err = configErrorOf(() => loadConfig({ path: writeConfig('typo.yml', 'courier:\n  smtp:\n    conection_uri: smtp://x/\n') }));
    expect(err.message).toMatch(/courier\.smtp/);
    expect(err.message).toContain('conection_uri');
  });

  it('requires request_config for http; smtp without connection_uri loads, as in Kratos, and warns', () => {
    const smsOnly = loadConfig({});
    expect(smsOnly.courier.smtp.connection_uri).toBeUndefined();
    expect(configWarnings(smsOnly)).toContain('courier.smtp.connection_uri: not set, so every e-mail is abandoned (SMTP_NOT_CONFIGURED); SMS channels work');
    expect(configErrorOf(() => loadConfig({ env: { COURIER_DELIVERY_STRATEGY: 'http' } })).issues.map((i) => i.path)).toContain('courier.http.request_config');
  });

  it('never echoes secrets: API keys, auth passwords, passwords in YAML syntax errors', () => {
    const shortKey = configErrorOf(() => loadConfig({ env: { COURIER_SMTP_CONNECTION_URI: 'smtp://h/', COURIER_API_KEYS: 'tooshort' } }));
    expect(shortKey.issues[0]?.path).toBe('producer.api_keys.0');
    expect(shortKey.message).not.toContain('tooshort');

    const yaml = writeConfig('syntax.yml', 'courier:\n  smtp:\n    connection_uri: "smtp://u:s3cretpass@h/\n  bad: [\n');
    const syntax = configErrorOf(() => loadConfig({ path: yaml }));
    expect(syntax.message).toMatch(/not valid YAML or JSON at line \d+/);
    expect(syntax.message).not.toContain('s3cretpass');

    const auth = configErrorOf(() =>
      loadConfig({
        env: {
          COURIER_DELIVERY_STRATEGY: 'http',
          COURIER_HTTP_REQUEST_CONFIG: JSON.stringify({
            url: 'http://127.0.0.1/',
            auth: { type: 'api_key', config: { name: 'X-Key', value: 'apikey-secret-value', in: 'query' } },
          }),
        },
      }),
    );
    expect(auth.issues.map((i) => i.path)).toContain('courier.http.request_config.auth.config.in');
    expect(auth.message).not.toContain('apikey-secret-value');
  });

  it('reports an unreadable file and a non-mapping document', () => {
    expect(configErrorOf(() => loadConfig({ path: join(dir, 'missing.yml') })).message).toMatch(/cannot read config file.*ENOENT/);
    expect(configErrorOf(() => loadConfig({ path: writeConfig('list.yml', '- a\n- b\n') })).message).toMatch(/mapping/);
  });

  it('reports a malformed environment override by variable name', () => {
    const err = configErrorOf(() => loadConfig({ env: { COURIER_MESSAGE_RETRIES: 'many', COURIER_CHANNELS: '[{' } }));
    expect(err.message).toContain('COURIER_MESSAGE_RETRIES must be a number');
    expect(err.message).toContain('COURIER_CHANNELS must be JSON');
  });
});

describe('parseSmtpConnectionUri', () => {
  it('maps the Kratos TLS modes', () => {
    expect(parseSmtpConnectionUri('smtp://h/')).toMatchObject({ host: 'h', port: 587, tls: 'starttls', skipSslVerify: false });
    expect(parseSmtpConnectionUri('smtp://h:25/?disable_starttls=true')).toMatchObject({ port: 25, tls: 'none' });
    expect(parseSmtpConnectionUri('smtps://h/')).toMatchObject({ port: 465, tls: 'implicit' });
    expect(parseSmtpConnectionUri('smtp://h:465/?legacy_ssl=true')).toMatchObject({ tls: 'implicit' });
    expect(parseSmtpConnectionUri('smtps://h/?skip_ssl_verify=true&server_name=mx.example.com')).toMatchObject({
      skipSslVerify: true,
      serverName: 'mx.example.com',
    });
  });

  it('decodes user and password from the userinfo', () => {
    expect(parseSmtpConnectionUri('smtp://a%40b.c:p%3A%2F%40ss@h:2525/')).toMatchObject({
      user: 'a@b.c',
      password: 'p:/@ss',
      port: 2525,
    });
  });

  it('reads flags and parameters as Kratos does, noting what Kratos would silently ignore', () => {
    // Go's strconv.ParseBool: 1/t/T/TRUE/true/True; anything else reads as false.
    for (const yes of ['1', 't', 'T', 'TRUE', 'true', 'True']) {
      expect(parseSmtpConnectionUri(`smtp://h/?disable_starttls=${yes}`)).toMatchObject({ tls: 'none', notes: [] });
    }
    const yes = parseSmtpConnectionUri('smtp://h/?disable_starttls=yes');
    expect(yes.tls).toBe('starttls');
    expect(yes.notes).toEqual(['query parameter disable_starttls is not a Go boolean (1, t, true, TRUE, 0, f, false, ...): read as false, as Kratos does']);
    const unknown = parseSmtpConnectionUri('smtp://u:pw-secret@h/?tls=1&tls=2');
    expect(unknown.notes).toEqual([expect.stringMatching(/^unknown query parameter "tls" is ignored, as Kratos does/)]);
    const both = parseSmtpConnectionUri('smtps://h/?disable_starttls=true');
    expect(both.tls).toBe('implicit');
    expect(both.notes[0]).toMatch(/disable_starttls is ignored with implicit TLS/);
    // The warnings name the key and never the URI (it may hold a password).
    const config = parseConfig({ courier: { smtp: { connection_uri: 'smtp://u:pw-secret@h/?tls=1', from_address: 'a@example.com' } } });
    const warnings = configWarnings(config);
    expect(warnings).toEqual([expect.stringMatching(/^courier\.smtp\.connection_uri: unknown query parameter "tls"/)]);
    expect(warnings.join('\n')).not.toContain('pw-secret');
  });

  it('rejects bad URIs without echoing them', () => {
    expect(() => parseSmtpConnectionUri('http://u:pw-secret@h/')).toThrow(/scheme "http"/);

    try {
      parseSmtpConnectionUri('not a uri pw-secret');
    } catch (err) {
      expect((err as Error).message).not.toContain('pw-secret');
    }
  });
});
