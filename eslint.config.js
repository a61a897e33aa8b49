// @ts-check
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default defineConfig(
  { ignores: ['**/node_modules/', '**/dist/', 'coverage/', 'bench/results/', '.courier-dev/'] },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Root config files (this one, vitest.config.ts) belong to no tsconfig: check them with the base options.
        projectService: { allowDefaultProject: ['*.js', '*.ts'], defaultProject: 'tsconfig.base.json' },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Numbers in messages, keys and log lines (`${ms} ms`, `retry:${n}`) are deliberate and print exactly.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // Same for `'…' + n`: Go-compatible string building in go-template concatenates numbers on purpose.
      '@typescript-eslint/restrict-plus-operands': ['error', { allowNumberAndString: true }],
      // noUncheckedIndexedAccess types every index read `T | undefined`; the scanners and parsers assert after their own bounds checks.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // `() => done()` callbacks returning void are idiomatic; the rule still flags `return voidCall()` in blocks.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // `async` without `await` implements Promise-returning interfaces (strategies, sinks, Jsonnet sources) and turns throws into rejections.
      '@typescript-eslint/require-await': 'off',
      // Header sanitisers and Go's string functions match control characters on purpose.
      'no-control-regex': 'off',
      // `const { secret: _secret, ...rest } = x` omits keys; `_`-prefixed parameters keep a signature (as TypeScript's noUnused* allow).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['**/test/**/*.ts'],
    rules: {
      // Tests read untyped JSON response bodies (`res.body.error.code`); the expect() calls are the shape check.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Teardown hooks guard `let x: T` (set in beforeAll) with `?.`: a failed beforeAll leaves it undefined.
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },
  {
    // The dev catcher's viewer: browser JavaScript served as is (no build), outside every tsconfig.
    files: ['scripts/dev/catcher/viewer/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      sourceType: 'module',
      parserOptions: { projectService: false },
      globals: { document: 'readonly', window: 'readonly', location: 'readonly', fetch: 'readonly', EventSource: 'readonly', confirm: 'readonly' },
    },
  },
  prettier,
);
