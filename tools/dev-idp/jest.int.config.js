module.exports = { ...require('../../jest.int.preset.js'), displayName: 'dev-idp:integration', rootDir: __dirname };
