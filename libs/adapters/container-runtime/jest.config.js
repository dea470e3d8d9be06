module.exports = { displayName: 'adapter-container-runtime', preset: '../../../jest.preset.js', rootDir: __dirname };
