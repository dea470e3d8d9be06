module.exports = { ...require('../../jest.int.preset.js'), displayName: 'testing:integration', rootDir: __dirname };
