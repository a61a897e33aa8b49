/**
 * Lint of the deployment files under infra/ (there is no Docker engine or
 * Kubernetes here): every YAML file parses, and the facts the apps depend on
 * hold: Redis persistence and eviction policy, probe paths and ports, grace
 * periods longer than the worker's drain, the KEDA list name matching the
 * configured prefix and queue, and configs that Courier's own loader accepts.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig, type CourierConfig } from '@courier/core';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const INFRA = join(REPO, 'infra');

type Obj = Record<string, unknown>;

function obj(value: unknown, what: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} is not a mapping`);
  return value as Obj;
}

function arr(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${what} is not a list`);
  return value;
}

function at(value: unknown, path: string): unknown {
  let node = value;
  for (const key of path.split('.')) {
    if (Array.isArray(node)) node = node[Number(key)];
    else node = obj(node, path)[key];
  }
  return node;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(name) ? [full] : [];
  });
}

/** Every document of a YAML file; throws on any syntax error or warning. */
function documents(path: string): unknown[] {
  // Compose resolves `<<` merge keys (YAML 1.1), so they are resolved here too.
  const docs = parseAllDocuments(readFileSync(path, 'utf8'), { prettyErrors: true, uniqueKeys: true, merge: true });
  if (!Array.isArray(docs)) return [];
  for (const d of docs) {
    const problems = [...d.errors, ...d.warnings];
    if (problems.length > 0) throw new Error(`${relative(REPO, path)}: ${problems.map((p) => p.message).join('; ')}`);
  }
  return docs.map((d) => d.toJS() as unknown).filter((d) => d !== null);
}

/** Load a config file the way the apps do, with `env` as the environment. */
function loadWith(text: string, env: Record<string, string>): CourierConfig {
  const dir = mkdtempSync(join(tmpdir(), 'courier-infra-test-'));
  try {
    const path = join(dir, 'courier.yaml');
    writeFileSync(path, text);
    return loadConfig({ path, env });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Seconds in a Compose duration such as `30s` or `1m30s`. */
function composeSeconds(value: unknown): number {
  const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(String(value));
  if (m === null || (m[1] === undefined && m[2] === undefined)) throw new Error(`not a duration: ${String(value)}`);
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

/** How long a worker may take to stop on SIGTERM: drain timeout plus the 5 s cancel grace (apps/worker/src/app.ts). */
function workerStopMs(config: CourierConfig): number {
  return config.worker.shutdown_timeout_ms + 5_000;
}

describe('every YAML file under infra/', () => {
  const files = yamlFiles(INFRA);

  it('finds the compose file, its config and the Kubernetes manifests', () => {
    const names = files.map((f) => relative(INFRA, f));
    expect(names).toEqual(expect.arrayContaining(['docker-compose.yml', 'courier.compose.yaml', 'k8s/worker.yaml', 'k8s/producer.yaml']));
  });

  it.each(files.map((f) => [relative(REPO, f), f] as const))('%s parses without errors or duplicate keys', (_name, file) => {
    expect(documents(file).length).toBeGreaterThan(0);
  });
});

describe('docker-compose.yml', () => {
  const compose = obj(parseYaml(readFileSync(join(INFRA, 'docker-compose.yml'), 'utf8'), { merge: true }), 'compose');
  const services = obj(compose['services'], 'services');
  const configText = readFileSync(join(INFRA, 'courier.compose.yaml'), 'utf8');

  it('runs Redis 7 with AOF, noeviction and a healthcheck', () => {
    const redis = obj(services['redis'], 'redis');
    expect(String(redis['image'])).toMatch(/^redis:7/);
    const command = arr(redis['command'], 'redis.command').map(String);
    expect(command[command.indexOf('--appendonly') + 1]).toBe('yes');
    expect(command[command.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
    expect(JSON.stringify(at(redis, 'healthcheck.test'))).toContain('ping');
  });

  it('runs the producer on 4000 and two workers, each health-checked on /health/ready, built from the Dockerfiles', () => {
    const producer = obj(services['producer'], 'producer');
    expect(arr(producer['ports'], 'producer.ports')).toContain('4000:4000');
    expect(JSON.stringify(at(producer, 'healthcheck.test'))).toContain('127.0.0.1:4000/health/ready');
    const workers = Object.entries(services).filter(([name]) => name.startsWith('worker'));
    const replicas = workers.reduce((n, [, s]) => n + Number(at(s, 'deploy.replicas') ?? 1), 0);
    expect(replicas).toBe(2);
    for (const [name, service] of [['producer', producer] as const, ...workers]) {
      const dockerfile = String(at(service, 'build.dockerfile'));
      const context = resolve(INFRA, String(at(service, 'build.context')));
      expect(context, name).toBe(resolve(REPO));
      expect(existsSync(join(context, dockerfile)), `${name}: ${dockerfile}`).toBe(true);
    }
    for (const [, worker] of workers) {
      expect(JSON.stringify(at(worker, 'healthcheck.test'))).toContain('127.0.0.1:4001/health/ready');
    }
  });

  it('gives workers longer to stop than they take to drain', () => {
    const config = loadWith(configText, { COURIER_API_KEYS: 'x'.repeat(16) });
    for (const [name, service] of Object.entries(services).filter(([n]) => n.startsWith('worker'))) {
      expect(composeSeconds(obj(service, name)['stop_grace_period']) * 1000, name).toBeGreaterThan(workerStopMs(config));
    }
  });

  it('runs Mailpit and mounts a config that delivers to it, with the API key from the environment', () => {
    const mailpit = obj(services['mailpit'], 'mailpit');
    expect(String(mailpit['image'])).toMatch(/^axllent\/mailpit/);
    expect(arr(mailpit['ports'], 'mailpit.ports')).toEqual(expect.arrayContaining(['1025:1025', '8025:8025']));

    const producerEnv = obj(at(services, 'producer.environment'), 'producer.environment');
    const keyDefault = /^\$\{COURIER_API_KEYS:-(.+)\}$/.exec(String(producerEnv['COURIER_API_KEYS']))?.[1];
    expect(keyDefault, 'COURIER_API_KEYS has a dev default').toBeDefined();
    for (const name of ['producer', 'worker']) {
      const mounts = arr(at(services, `${name}.volumes`), `${name}.volumes`).map((m) => obj(m, 'mount'));
      const mount = mounts.find((m) => m['target'] === '/etc/courier/courier.yaml');
      expect(mount?.['source'], name).toBe('./courier.compose.yaml');
      expect(at(services, `${name}.environment.COURIER_CONFIG`)).toBe('/etc/courier/courier.yaml');
    }

    const config = loadWith(configText, { COURIER_API_KEYS: keyDefault ?? '' });
    expect(config.courier.smtp.connection_uri).toBe('smtp://mailpit:1025/?disable_starttls=true');
    expect(config.redis.url).toBe('redis://redis:6379');
    expect(config.redis.prefix).toMatch(/\{[^}]+\}/);
    expect(config.producer.api_keys).toEqual([keyDefault]);
    expect(config.producer.port).toBe(4000);
    expect(config.worker.port).toBe(4001);
  });
});

describe('Dockerfiles', () => {
  const rootPackage = obj(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')), 'package.json');
  const pnpmVersion = /^pnpm@(.+)$/.exec(String(rootPackage['packageManager']))?.[1];

  it.each([
    ['producer', 4000],
    ['worker', 4001],
  ] as const)('Dockerfile.%s is a multi-stage build with a slim, non-root, health-checked runtime', (app, port) => {
    const text = readFileSync(join(INFRA, 'docker', `Dockerfile.${app}`), 'utf8');
    const stages = text.split(/^FROM /m).slice(1);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    // A maintained Node LTS line (Node 20 is past its end of life).
    expect(text).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    const [build, runtime] = [stages[0] ?? '', stages[stages.length - 1] ?? ''];
    expect(build).toMatch(/^\$\{NODE_IMAGE\} AS build/);
    for (const dep of ['cmake', 'g++', 'make', 'python3']) expect(build).toContain(dep);
    expect(build).toMatch(/pnpm install --frozen-lockfile/);
    expect(build).toContain(`pnpm --filter @courier/${app} deploy --prod`);
    // Compiled in the build stage (the app's project references included), before the deploy copies dist/.
    expect(build.indexOf(`pnpm exec tsc -b apps/${app}/tsconfig.build.json`)).toBeGreaterThan(-1);
    expect(build.indexOf(`pnpm exec tsc -b apps/${app}/tsconfig.build.json`)).toBeLessThan(build.indexOf('deploy --prod'));
    expect(build).toContain(`ARG PNPM_VERSION=${pnpmVersion}`);
    // The toolchain stays in the build stage.
    expect(runtime).not.toMatch(/apt-get|cmake|g\+\+/);
    expect(runtime).toMatch(/COPY --from=build \/out /);
    expect(runtime).toMatch(/^USER (?!root\b|0\b)\S+/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/health\/ready/m);
    expect(runtime).toContain(`'${port}'`);
    // The image runs exactly the app's `start` script (what the tests and benchmarks run).
    const start = String(obj(obj(JSON.parse(readFileSync(join(REPO, 'apps', app, 'package.json'), 'utf8')), 'package.json')['scripts'], 'scripts')['start']);
    expect(runtime).toContain(`CMD ${JSON.stringify(start.split(' '))}`.replace(/","/g, '", "'));
    // ...which runs the build with source maps, no TypeScript at run time.
    expect(start).toMatch(/^node (?:\S+ )*--enable-source-maps dist\/main\.js$/);
    expect(runtime).not.toMatch(/tsx|src\/main\.ts/);
  });

  it('.dockerignore keeps node_modules and .git out of the build context', () => {
    const lines = readFileSync(join(REPO, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    expect(lines).toEqual(expect.arrayContaining(['**/node_modules', '.git']));
  });
});

describe('Kubernetes manifests', () => {
  const dir = join(INFRA, 'k8s');
  const all = yamlFiles(dir).flatMap((f) => documents(f).map((d) => obj(d, relative(REPO, f))));
  const find = (kind: string, name: string): Obj => {
    const found = all.find((d) => d['kind'] === kind && at(d, 'metadata.name') === name);
    if (found === undefined) throw new Error(`no ${kind} ${name}`);
    return found;
  };
  const configMap = find('ConfigMap', 'courier-config');
  const secret = find('Secret', 'courier-secrets');
  const secretData = obj(secret['stringData'], 'stringData') as Record<string, string>;
  // The key has a dot in it, so `at` cannot reach it.
  const configText = String(obj(configMap['data'], 'data')['courier.yaml']);
  const config = loadWith(configText, secretData);

  it('is namespace-agnostic', () => {
    for (const d of all) expect(at(d, 'metadata.namespace'), String(at(d, 'metadata.name'))).toBeUndefined();
  });

  it('holds a config Courier loads, with the secrets coming from the Secret', () => {
    expect(configText).not.toContain(secretData['COURIER_SMTP_CONNECTION_URI']);
    expect(config.courier.smtp.connection_uri).toBe(secretData['COURIER_SMTP_CONNECTION_URI']);
    expect(config.redis.prefix).toMatch(/\{[^}]+\}/);
    expect(config.producer.api_keys.length).toBeGreaterThan(0);
  });

  it.each([
    ['courier-producer', () => config.producer.port],
    ['courier-worker', () => config.worker.port],
  ] as const)('%s probes /health/alive and /health/ready on its port, mounts the config and limits resources', (name, port) => {
    const deployment = find('Deployment', name);
    const spec = obj(at(deployment, 'spec.template.spec'), 'pod spec');
    const container = obj(at(spec, 'containers.0'), 'container');
    const ports = arr(container['ports'], 'ports').map((p) => obj(p, 'port'));
    const portOf = (ref: unknown) => (typeof ref === 'number' ? ref : ports.find((p) => p['name'] === ref)?.['containerPort']);
    expect(at(container, 'livenessProbe.httpGet.path')).toBe('/health/alive');
    expect(at(container, 'readinessProbe.httpGet.path')).toBe('/health/ready');
    expect(portOf(at(container, 'livenessProbe.httpGet.port'))).toBe(port());
    expect(portOf(at(container, 'readinessProbe.httpGet.port'))).toBe(port());

    const labels = obj(at(deployment, 'spec.template.metadata.labels'), 'labels');
    for (const [k, v] of Object.entries(obj(at(deployment, 'spec.selector.matchLabels'), 'matchLabels'))) expect(labels[k]).toBe(v);

    for (const kind of ['requests', 'limits']) {
      expect(at(container, `resources.${kind}.cpu`), kind).toBeDefined();
      expect(at(container, `resources.${kind}.memory`), kind).toBeDefined();
    }
    expect(at(spec, 'securityContext.runAsNonRoot')).toBe(true);

    const env = arr(container['env'], 'env').map((e) => obj(e, 'env'));
    const configPath = String(env.find((e) => e['name'] === 'COURIER_CONFIG')?.['value']);
    const mount = arr(container['volumeMounts'], 'volumeMounts')
      .map((m) => obj(m, 'mount'))
      .find((m) => configPath.startsWith(`${String(m['mountPath'])}/`));
    const volume = arr(spec['volumes'], 'volumes')
      .map((v) => obj(v, 'volume'))
      .find((v) => v['name'] === mount?.['name']);
    expect(at(volume, 'configMap.name')).toBe('courier-config');
    expect(configPath.slice(String(mount?.['mountPath']).length + 1)).toBe('courier.yaml');
    for (const e of env.filter((x) => x['valueFrom'] !== undefined)) {
      expect(at(e, 'valueFrom.secretKeyRef.name')).toBe('courier-secrets');
      expect(Object.keys(secretData)).toContain(at(e, 'valueFrom.secretKeyRef.key'));
    }
  });

  it('gives workers a termination grace period longer than their drain', () => {
    const grace = Number(at(find('Deployment', 'courier-worker'), 'spec.template.spec.terminationGracePeriodSeconds'));
    expect(grace * 1000).toBeGreaterThan(workerStopMs(config));
  });

  it('exposes the producer through a Service that selects its pods', () => {
    const service = find('Service', 'courier-producer');
    const podLabels = obj(at(find('Deployment', 'courier-producer'), 'spec.template.metadata.labels'), 'labels');
    for (const [k, v] of Object.entries(obj(at(service, 'spec.selector'), 'selector'))) expect(podLabels[k]).toBe(v);
    expect(at(service, 'spec.ports.0.targetPort')).toBe('http');
  });

  it('scales the worker Deployment with KEDA on the BullMQ wait list of the configured prefix and queue', () => {
    const scaled = find('ScaledObject', 'courier-worker');
    expect(at(scaled, 'spec.scaleTargetRef.name')).toBe(at(find('Deployment', 'courier-worker'), 'metadata.name'));
    expect(Number(at(scaled, 'spec.minReplicaCount'))).toBeGreaterThanOrEqual(1);
    const trigger = obj(at(scaled, 'spec.triggers.0'), 'trigger');
    expect(trigger['type']).toBe('redis');
    expect(at(trigger, 'metadata.listName')).toBe(`${config.redis.prefix}:${config.redis.queue_name}:wait`);
    expect(Number(at(trigger, 'metadata.listLength'))).toBeGreaterThan(0);
    const auth = find('TriggerAuthentication', String(at(trigger, 'authenticationRef.name')));
    for (const ref of arr(at(auth, 'spec.secretTargetRef'), 'secretTargetRef').map((r) => obj(r, 'ref'))) {
      expect(ref['name']).toBe('courier-secrets');
      expect(Object.keys(secretData)).toContain(ref['key']);
    }
  });

  it('has a PodDisruptionBudget for each Deployment that never blocks a drain', () => {
    for (const name of ['courier-producer', 'courier-worker']) {
      const pdb = find('PodDisruptionBudget', name);
      expect(at(pdb, 'spec.selector.matchLabels')).toEqual(at(find('Deployment', name), 'spec.selector.matchLabels'));
      expect(at(pdb, 'spec.maxUnavailable')).toBe(1);
    }
  });
});
