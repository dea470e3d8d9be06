module.exports = { displayName: 'adapter-nats', preset: '../../../jest.preset.js', rootDir: __dirname };
