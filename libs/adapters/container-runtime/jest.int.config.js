module.exports = { ...require('../../../jest.int.preset.js'), displayName: 'adapter-container-runtime:integration', rootDir: __dirname };
