module.exports = { displayName: 'provenance', preset: '../../jest.preset.js', rootDir: __dirname };
