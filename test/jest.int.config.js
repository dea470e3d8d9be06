const preset = require('../jest.int.preset.js');

// The export checks (@cairn/provenance-export/validate) load ESM-only packages (rdf-ext,
// rdf-validate-shacl) with import(): SWC keeps import() native here (ignoreDynamic), which
// Jest runs with --experimental-vm-modules, as the integration targets do.
const [swc, swcOptions] = preset.transform['^.+\\.ts$'];

module.exports = {
  ...preset,
  displayName: 'e2e:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/e2e/**/*.int-spec.ts'],
  // Two suites at once: each starts a stack of its own (its NATS server, database, IdP, site
  // name and directories) and waits on Slurm most of the time, so two share the 2-core CI
  // machine and Slurm's 8 slots; what a suite counts in Slurm it counts in its own stack's
  // directories only (job-helpers.ts). docs/testing.md, "Run time".
  maxWorkers: 2,
  transform: { ...preset.transform, '^.+\\.ts$': [swc, { ...swcOptions, module: { ...swcOptions.module, ignoreDynamic: true } }] },
};
