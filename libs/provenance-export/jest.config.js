module.exports = { displayName: 'provenance-export', preset: '../../jest.preset.js', rootDir: __dirname };
