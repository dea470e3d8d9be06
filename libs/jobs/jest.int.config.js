module.exports = { ...require('../../jest.int.preset.js'), displayName: 'jobs:integration', rootDir: __dirname };
