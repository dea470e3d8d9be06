// Integration and end-to-end tests: they go through the real parts (Slurm, Charliecloud,
// NATS, PostgreSQL, the OCI registry) that tools/dev-cluster/dev-cluster.sh starts.
const preset = require('./jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/libs/**/test/**/*.int-spec.ts', '<rootDir>/test/**/*.int-spec.ts'],
  testTimeout: 240_000,
  maxWorkers: 1,
};
