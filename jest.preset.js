// Shared Jest set-up: SWC transpiles TypeScript (with the decorator metadata Nest needs),
// and @cairn/* aliases resolve through tsconfig.base.json's paths.
const { join } = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias.replace('/', '\\/')}$`] = join(__dirname, target);
}

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  transform: {
    '^.+\\.ts$': swc,
    // jose 6 ships ES modules only; Node 20 require()s them natively but Jest's module
    // system does not (before Node 24.9), so SWC compiles them to CommonJS too.
    '^.+/node_modules/jose/.+\\.js$': swc,
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  // The embedded database (PGlite) template the specs copy (freshEmbeddedDir): made once per
  // machine before any spec, so no spec's hook waits for PGlite's initdb.
  // And the run's own temporary directory (TMPDIR), removed whole when the run ends
  // (libs/testing/src/test-temp.ts): what a spec leaves in it goes with it.
  globalSetup: join(__dirname, 'libs/testing/src/jest-global-setup.ts'),
  globalTeardown: join(__dirname, 'libs/testing/src/jest-global-teardown.ts'),
  // Some unit specs start real processes (bash, gcc, the mapping command) for each of a
  // property's runs. Jest's 5 s default is a wall-clock limit that a loaded 2-core machine
  // (CI's two suites at once, beside anything else running) can exceed with nothing wrong;
  // this is a hang detector, not a performance check.
  testTimeout: 30_000,
};
