module.exports = { ...require('../../jest.int.preset.js'), displayName: 'images:integration', rootDir: __dirname };
