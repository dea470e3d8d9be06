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
  transform: { ...preset.transform, '^.+\\.ts$': [swc, { ...swcOptions, module: { ...swcOptions.module, ignoreDynamic: true } }] },
};
