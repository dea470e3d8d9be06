module.exports = { displayName: 'workflows', preset: '../../jest.preset.js', rootDir: __dirname };
