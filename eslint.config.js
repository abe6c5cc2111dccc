// ESLint 9 flat config: typescript-eslint's recommended rules (syntactic, fast) and the layering
// of STYLE.md and issue 13 as import restrictions. `npm run lint`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** A restriction on what a module's import string may look like (matched as a regular expression). */
const restrict = (regex, message) => ({ regex, message });

const OURS_OUTSIDE_CORE = restrict('^\\.\\./', 'core/ imports nothing of ours (STYLE.md): keep it at the bottom.');
const NOT_FEATURES = restrict('(^|/)features/', 'Channels never import features: features see neutral messages only.');
const NOT_DB = restrict('(^|/)db/', 'Channels never import db/: only the setup files (channels/*/setup.ts) do.');
const NOT_PIPELINE_OR_SERVER = restrict(
  '(^|/)(pipeline|server|wiring)/|(^|/)(runtime|main|config)\\.js$',
  'Channels depend on core/ only; the composition root and the setup files wire them.',
);

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', 'drizzle/', 'data/', 'coverage/', '**/*.js', '!eslint.config.js'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      // The compiler checks these (noUnusedLocals), and `_`-prefixed names mark deliberate ones.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [OURS_OUTSIDE_CORE] }] },
  },
  {
    files: ['src/db/schema/**/*.ts'],
    rules: {
      // Column types may name core's neutral types (a type-only import, erased at run time).
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            restrict(
              '^(?!drizzle-orm(/|$)|\\./|\\.\\./\\.\\./core/types\\.js$)',
              'db/schema imports only drizzle-orm (and its own files).',
            ),
            {
              ...restrict('^\\.\\./\\.\\./core/types\\.js$', 'db/schema may import only types from core/types.'),
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/channels/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [NOT_FEATURES, NOT_DB, NOT_PIPELINE_OR_SERVER] }] },
  },
  {
    // Each channel's setup owns its account settings (db), webhook routes (server types) and hands
    // messages to the dispatcher: the documented exception (README, Architecture). The Zalo token
    // store is that setup's repository (issue 13 moved it into channels/zalo/).
    files: ['src/channels/setup.ts', 'src/channels/setup-types.ts', 'src/channels/*/setup.ts', 'src/channels/zalo/token-repo.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [NOT_FEATURES] }] },
  },
  {
    files: ['src/features/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            restrict(
              '(^|/)pipeline/(?!(dispatcher|context)\\.js$|outbox/index\\.js$)',
              'Features see the pipeline only through the handler context type (pipeline/context.js, re-exported by ' +
                "pipeline/dispatcher.js) and the outbox module's door (pipeline/outbox/index.js).",
            ),
            restrict(
              '(^|/)(channels|server|wiring)/|(^|/)(runtime|main)\\.js$',
              'Features never import channels, the server or the composition root.',
            ),
          ],
        },
      ],
    },
  },
  {
    // Staff accounts, sessions and the console shell: core and db only; features bring their pages as contributions.
    files: ['src/staff/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            restrict(
              '(^|/)(features|channels|pipeline|server|wiring)/|(^|/)(runtime|main)\\.js$',
              'The console shell knows no feature: each module contributes its pages (FeatureModule.console).',
            ),
          ],
        },
      ],
    },
  },
  {
    // Another feature only through its index.ts (src/features/<name>/<file>.ts).
    files: ['src/features/*/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportDeclaration[source.value=/^\\.\\.\\/[^./][^/]*\\/(?!index\\.js$)/]',
          message: 'Import another feature through its index.ts.',
        },
      ],
    },
  },
  {
    // JSON read back from HTTP and from the fake platform servers is untyped on purpose in tests.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Staff accounts, sessions and the console shell: core and db only; features bring their pages as contributions.
    files: ['src/staff/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            restrict(
              '(^|/)(features|channels|pipeline|server|wiring)/|(^|/)(runtime|main)\\.js$',
              'The console shell knows no feature: each module contributes its pages (FeatureModule.console).',
            ),
          ],
        },
      ],
    },
  },
  {
    // Another feature only through its index.ts (src/features/<name>/<folder>/<file>.ts).
    files: ['src/features/*/*/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportDeclaration[source.value=/^\\.\\.\\/\\.\\.\\/[^./][^/]*\\/(?!index\\.js$)/]',
          message: 'Import another feature through its index.ts.',
        },
      ],
    },
  },
);
