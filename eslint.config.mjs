import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const scope = (name, allowed) => ({ sourceTag: `scope:${name}`, onlyDependOnLibsWithTags: [`scope:${name}`, ...allowed] });

/** Only adapters talk to outside systems; only libs/config reads the environment. */
const outsideSystems = {
  paths: [
    { name: 'child_process', message: 'Start processes through @cairn/adapters/process.' },
    { name: 'node:child_process', message: 'Start processes through @cairn/adapters/process.' },
    { name: 'pg', message: 'Use @cairn/adapters/postgres.' },
    { name: 'kysely', message: 'Use @cairn/adapters/postgres.' },
    { name: '@electric-sql/pglite', message: 'Use @cairn/adapters/postgres.' },
    {
      name: '@cairn/adapters/postgres',
      importNames: ['sql'],
      message:
        'Raw SQL (`sql`) is allowed only in migrations (libs/<lib>/src/migrations/). Stores build every query with the typed query builder; what it cannot express becomes a typed helper in @cairn/adapters/postgres, not SQL text in a store.',
    },
  ],
  patterns: [{ group: ['../*'], message: 'Import across folders through a @cairn/* alias.' }],
};

/** Migrations write DDL the query builder has no words for (partial indexes, data fixes): they may use `sql`. */
const inMigrations = { ...outsideSystems, paths: outsideSystems.paths.filter((p) => p.name !== '@cairn/adapters/postgres') };

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: ['**/node_modules', '**/dist', 'tmp/**', '.nx/**', 'libs/contracts/src/generated/**', 'libs/portal-client/src/gen/**', '**/jest.config.js', '**/vite.config.mts'],
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:capability', 'type:domain', 'type:adapter', 'type:util', 'type:contracts'] },
            { sourceTag: 'type:capability', onlyDependOnLibsWithTags: ['type:domain', 'type:adapter', 'type:util', 'type:contracts'] },
            // The workflow language and planner: pure code over the contracts and their parsing
            // libraries (no Nest, no database, no adapters), so the CLI and codegen load them alone.
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts'], allowedExternalImports: ['yaml', 'zod'] },
            { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:adapter', 'type:util', 'type:contracts'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:adapter', 'type:contracts'] },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
            scope('shared', []),
            scope('gateway', ['scope:shared']),
            scope('scheduler', ['scope:shared', 'scope:database']),
            scope('agent', ['scope:shared', 'scope:cluster']),
            scope('images', ['scope:shared', 'scope:registry', 'scope:database']),
            scope('staging', ['scope:shared', 'scope:database']),
            scope('provenance', ['scope:shared', 'scope:database']),
            scope('cli', ['scope:shared']),
            scope('cluster', ['scope:shared']),
            scope('database', ['scope:shared']),
            scope('registry', ['scope:shared']),
            // The browser (apps/portal, libs/portal-*): its own world, reaching Cairn only
            // through the generated gRPC-Web client (libs/portal-client).
            scope('web', []),
            { sourceTag: 'scope:testing', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
        {
          selector: 'Decorator > CallExpression[callee.name=/^(Injectable|Inject)$/]',
          message: 'Objects are wired by hand in the capability\'s register() and handed to Nest as useValue providers keyed by their class (ADR 0007): no @Injectable() or @Inject().',
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read settings through @cairn/config.' },
      ],
      'no-restricted-imports': ['error', outsideSystems],
    },
  },
  {
    // Tests may use the harness (type:testing) and any lib, but never an app.
    files: ['**/*.spec.ts', '**/test/**/*.ts', '**/test/**/*.tsx'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          depConstraints: [{ sourceTag: '*', notDependOnLibsWithTags: ['type:app'] }],
        },
      ],
    },
  },
  {
    files: ['libs/adapters/**/*.ts', 'libs/testing/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: outsideSystems.patterns }] },
  },
  {
    files: ['libs/*/src/migrations/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', inMigrations] },
  },
  {
    // A lib's integration tests (libs/<lib>/test/) import the lib under test as ../src.
    files: ['**/*.spec.ts', '**/test/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['libs/config/**/*.ts', 'libs/testing/**/*.ts', '**/test/**/*.ts', 'libs/adapters/process/**/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // The browser's projects are folders of views and components: relative imports between
    // their folders are fine (no Node libs, no outside systems there to guard).
    files: ['apps/portal/**/*.{ts,tsx}', 'libs/portal-client/**/*.{ts,tsx}', 'libs/portal-ui/**/*.{ts,tsx}', 'libs/portal-views/**/*.{ts,tsx}'],
    rules: { 'no-restricted-imports': 'off', 'no-restricted-properties': 'off' },
  },
];
