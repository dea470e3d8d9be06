module.exports = { ...require('../../jest.int.preset.js'), displayName: 'workflows:integration', rootDir: __dirname };
