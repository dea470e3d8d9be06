module.exports = { displayName: 'sites-api', preset: '../../jest.preset.js', rootDir: __dirname };
