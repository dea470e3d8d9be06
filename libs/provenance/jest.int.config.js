module.exports = { ...require('../../jest.int.preset.js'), displayName: 'provenance:integration', rootDir: __dirname };
