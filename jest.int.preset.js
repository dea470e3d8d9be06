// Shared set-up of the integration and end-to-end specs (each project's jest.int.config.js,
// run by its Nx `integration` target): they go through the real parts (Slurm, Charliecloud,
// NATS, PostgreSQL, the OCI registry) that tools/dev-cluster/dev-cluster.sh starts.
const preset = require('./jest.preset.js');

module.exports = {
  ...preset,
  testMatch: ['<rootDir>/test/**/*.int-spec.ts'],
  testTimeout: 240_000,
  // One suite at a time: the libraries' suites share the dev cluster's Slurm, NATS and
  // registry and some of them watch it whole. The end-to-end config sets its own.
  maxWorkers: 1,
  // A suite whose teardown failed half-way may leave a socket or child process behind; the
  // results are in by then, and a Jest waiting on it forever would hang CI past its budget.
  forceExit: true,
};
