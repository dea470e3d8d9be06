module.exports = { ...require('../../jest.int.preset.js'), displayName: 'site-agent:integration', rootDir: __dirname };
