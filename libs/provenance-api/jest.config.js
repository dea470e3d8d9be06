module.exports = { displayName: 'provenance-api', preset: '../../jest.preset.js', rootDir: __dirname };
