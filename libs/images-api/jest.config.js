module.exports = { displayName: 'images-api', preset: '../../jest.preset.js', rootDir: __dirname };
