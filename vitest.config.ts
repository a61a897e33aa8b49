import { defineConfig } from 'vitest/config';

// Workspace packages export their build (dist/) by default and their TypeScript
// sources under the custom `source` condition: tests resolve the sources, so they
// never need `pnpm build` first nor see a stale dist/.
const SOURCE_FIRST_SERVER_CONDITIONS = ['source', 'module', 'node', 'development|production'];
const SOURCE_FIRST_CLIENT_CONDITIONS = ['source', 'module', 'browser', 'development|production'];

// Child processes the tests start through tsx (apps, fixtures, the quick start
// runner) inherit the environment: they resolve the sources too.
const nodeOptions = [process.env['NODE_OPTIONS'], '--conditions=source'].filter((o) => o !== undefined && o !== '').join(' ');

export default defineConfig({
  resolve: { conditions: SOURCE_FIRST_CLIENT_CONDITIONS },
  ssr: { resolve: { conditions: SOURCE_FIRST_SERVER_CONDITIONS } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'scripts/**/*.test.ts'],
    globalSetup: ['packages/testkit/src/vitest-global-setup.ts'],
    env: { NODE_OPTIONS: nodeOptions },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: more parallel files only fight over them and make timing-sensitive tests flaky.
    maxWorkers: 2,
  },
});
