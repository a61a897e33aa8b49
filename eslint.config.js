// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['**/node_modules/', '**/dist/', 'coverage/', 'bench/results/', '.courier-dev/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Root config files (this one, vitest.config.ts) belong to no tsconfig.
        projectService: { allowDefaultProject: ['*.js', '*.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Numbers in messages, keys and log lines (`${ms} ms`, `retry:${n}`) are deliberate and print exactly.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // noUncheckedIndexedAccess types every index read `T | undefined`; the scanners and parsers assert after their own bounds checks.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // `() => done()` callbacks returning void are idiomatic; the rule still flags `return voidCall()` in blocks.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
    },
  },
  prettier,
);
