module.exports = { displayName: 'adapter-process', preset: '../../../jest.preset.js', rootDir: __dirname };
