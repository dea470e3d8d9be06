const preset = require('../../jest.preset.js');

// openid-client 6 and what it imports (oauth4webapi, jose) ship ES modules only: Node 20
// require()s them natively (the gateway), Jest's module system does not, so SWC compiles
// them to CommonJS for the specs (as in libs/cli-commands).
const ESM_ONLY = ['openid-client', 'oauth4webapi', 'jose'];
const swc = preset.transform['^.+\\.ts$'];

module.exports = {
  displayName: 'portal-server',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  transform: {
    ...preset.transform,
    [`^.+/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: swc,
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
};
