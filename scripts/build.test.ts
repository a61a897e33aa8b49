/**
 * Lint of the build's wiring (the build itself runs in CI as `pnpm build`, and
 * scripts/dev/quickstart.test.ts runs the built apps): every workspace package
 * has a composite tsconfig.build.json that the root tsconfig.json references,
 * whose references follow the package's workspace dependencies; its exports give
 * the build (types + default) and, first, the sources under the `source`
 * condition; its "files" ship dist/; the apps start from dist with source maps,
 * and tsx is a dev dependency of the root alone.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

interface PackageJson {
  name: string;
  bin?: Record<string, string>;
  exports?: Record<string, Record<string, string>>;
  files?: string[];
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** A tsconfig's JSON, with its `//` comment lines removed. */
function tsconfig(path: string): { compilerOptions?: Record<string, unknown>; include?: string[]; references?: { path: string }[] } {
  const text = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => !/^\s*\/\//.test(l))
    .join('\n');
  return JSON.parse(text) as ReturnType<typeof tsconfig>;
}

const readJson = (path: string): PackageJson => JSON.parse(readFileSync(path, 'utf8')) as PackageJson;

const packageDirs = ['apps', 'packages'].flatMap((group) =>
  readdirSync(join(ROOT, group))
    .map((name) => `${group}/${name}`)
    .filter((dir) => existsSync(join(ROOT, dir, 'package.json'))),
);
const packages = packageDirs.map((dir) => ({ dir, pkg: readJson(join(ROOT, dir, 'package.json')) }));
const dirOf = new Map(packages.map(({ dir, pkg }) => [pkg.name, dir]));

describe('the build', () => {
  it('root tsconfig.json references every package and app, and `pnpm build` is tsc -b', () => {
    const refs = (tsconfig(join(ROOT, 'tsconfig.json')).references ?? []).map((r) => resolve(ROOT, r.path));
    expect(refs.sort()).toEqual(packageDirs.map((d) => join(ROOT, d, 'tsconfig.build.json')).sort());
    expect(readJson(join(ROOT, 'package.json')).scripts?.['build']).toBe('tsc -b');
  });

  it('only build configs emit: the shared base has no declaration or sourceMap, and resolves sources when typechecking', () => {
    const base = tsconfig(join(ROOT, 'tsconfig.base.json')).compilerOptions ?? {};
    expect(base['declaration']).toBeUndefined();
    expect(base['sourceMap']).toBeUndefined();
    expect(base['customConditions']).toEqual(['source']);
  });

  it.each(packages.map((p) => [p.pkg.name, p] as const))('%s: composite build of src/ to dist/, referencing its workspace dependencies', (_name, { dir, pkg }) => {
    const path = join(ROOT, dir, 'tsconfig.build.json');
    const config = tsconfig(path);
    const options = config.compilerOptions ?? {};
    expect(options).toMatchObject({ composite: true, rootDir: 'src', outDir: 'dist', declaration: true, sourceMap: true, customConditions: [] });
    expect(String(options['tsBuildInfoFile'])).toMatch(/^dist\//);
    expect(config.include).toEqual(['src']);
    const refs = (config.references ?? []).map((r) => relative(ROOT, dirname(resolve(dirname(path), r.path))));
    const workspaceDeps = Object.keys(pkg.dependencies ?? {})
      .filter((d) => dirOf.has(d))
      .map((d) => dirOf.get(d));
    expect(refs.sort()).toEqual(workspaceDeps.sort());
  });

  it.each(packages.filter((p) => p.dir.startsWith('packages/')).map((p) => [p.pkg.name, p] as const))(
    '%s: exports its build, and its sources under the `source` condition, first',
    (_name, { dir, pkg }) => {
      const main = pkg.exports?.['.'];
      expect(main).toEqual({ source: './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' });
      expect(Object.keys(main ?? {})[0]).toBe('source');
      expect(existsSync(join(ROOT, dir, 'src/index.ts'))).toBe(true);
      for (const [subpath, conditions] of Object.entries(pkg.exports ?? {})) {
        expect(Object.keys(conditions)[0], subpath).toBe('source');
        // A subpath without a build (test helpers) is only visible to source consumers.
        if (conditions['default'] !== undefined) expect(conditions['default'], subpath).toMatch(/^\.\/dist\//);
      }
      expect(pkg.files).toContain('dist');
    },
  );

  it('the apps start from dist with source maps, the worker with its heap limit; tsx is a dev dependency of the root alone', () => {
    for (const { dir, pkg } of packages.filter((p) => p.dir.startsWith('apps/'))) {
      expect(pkg.scripts?.['start'], dir).toMatch(/^node (?:\S+ )*--enable-source-maps dist\/main\.js$/);
      expect(pkg.files, dir).toContain('dist');
    }
    expect(readJson(join(ROOT, 'apps/worker/package.json')).scripts?.['start']).toContain('--max-old-space-size=256');
    for (const { dir, pkg } of [...packages, { dir: 'bench', pkg: readJson(join(ROOT, 'bench/package.json')) }]) {
      expect(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }), dir).not.toContain('tsx');
    }
    expect(Object.keys(readJson(join(ROOT, 'package.json')).devDependencies ?? {})).toContain('tsx');
  });

  it('the client ships its CLI as a bin in dist', () => {
    const client = readJson(join(ROOT, 'packages/courier-client/package.json'));
    expect(client.bin).toEqual({ courier: './dist/cli/main.js' });
    expect(readFileSync(join(ROOT, 'packages/courier-client/src/cli/main.ts'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  });
});
