// @ts-check
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/**
 * typescript-eslint's recommended rules plus a few type-aware ones chosen for what they catch
 * here (a promise nobody awaits loses its error and, in the gateway, its journal entry). Not
 * recommendedTypeChecked: it costs the same (building the type program is the cost) but its
 * no-unsafe-* rules would flag every read of an untyped JSON body in the tests.
 * Formatting is prettier's job: eslint-config-prettier turns off the rules that would argue with it.
 */
export default defineConfig(
  { ignores: ['**/dist/**', '**/node_modules/**', 'test-artifacts/**'] },
  eslint.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // node:test's describe and it return promises that the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/unbound-method': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // tsc's noUnusedLocals/noUnusedParameters already report these, with the same `_` convention.
      '@typescript-eslint/no-unused-vars': 'off',
    },
  },
  {
    // Tests edit policy and fixture JSON in place; typing every fixture's shape would say nothing.
    files: ['**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  prettier,
);
