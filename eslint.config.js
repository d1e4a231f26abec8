// Lint rules for the whole repository; formatting is Prettier's (eslint-config-prettier turns off
// the rules that would fight it).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/results/', 'console/dist/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-empty': ['error', { allowEmptyCatch: false }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // The web console runs in a browser: its own globals, and none of Node's.
    files: ['console/src/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
  },
  {
    // The dependency rule's second half (scripts/check-layers.mjs checks the first, direction):
    // product code reaches another layer only through its front door, a `#` alias of package.json.
    files: [
      'core/**/*.ts',
      'stores/**/*.ts',
      'runtime/**/*.ts',
      'mcp-servers/**/*.ts',
      'agents/**/*.ts',
      'bridge/**/*.ts',
      'app/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(core|stores|runtime|mcp-servers|agents|bridge|app)/',
              message:
                'Import another layer through its front door (#core, #stores/sql, #runtime/queue, …), not a relative path.',
            },
            {
              regex: '^#(core|agents)/|^#[^/]+/[^/]+/',
              message: 'A front door is the subsystem itself (#stores/vector); a file behind it is internal.',
            },
          ],
        },
      ],
    },
  },
  prettier,
);
