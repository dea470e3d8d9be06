// SWC keeps `import()` as it is here (ignoreDynamic), so specs load the ESM-only RDF and
// SHACL packages (rdf-validate-shacl, rdf-ext) natively (Jest runs with --experimental-vm-modules).
const preset = require('../../jest.preset.js');

const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs', ignoreDynamic: true },
  },
];

module.exports = {
  displayName: 'provenance-export',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  transform: { ...preset.transform, '^.+\\.ts$': swc },
};
