module.exports = { ...require('../../../jest.int.preset.js'), displayName: 'adapter-nats:integration', rootDir: __dirname };
