module.exports = { displayName: 'images-lib', preset: '../../jest.preset.js', rootDir: __dirname };
