module.exports = { displayName: 'templates', preset: '../../jest.preset.js', rootDir: __dirname };
