module.exports = { ...require('../../../jest.int.preset.js'), displayName: 'adapter-postgres:integration', rootDir: __dirname };
