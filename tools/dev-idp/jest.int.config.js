// jose is ESM-only and Jest (on Node 20) cannot require() ESM: SWC compiles jose's files to
// CommonJS like our own TypeScript, so the specs verify tokens with the real library.
const preset = require('../../jest.int.preset.js');

module.exports = {
  ...preset,
  displayName: 'dev-idp:integration',
  rootDir: __dirname,
  transform: { ...preset.transform, '/node_modules/jose/.+\\.js$': preset.transform['^.+\\.ts$'] },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
};
