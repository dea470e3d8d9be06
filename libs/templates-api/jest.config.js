module.exports = { displayName: 'templates-api', preset: '../../jest.preset.js', rootDir: __dirname };
