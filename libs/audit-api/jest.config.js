module.exports = { displayName: 'audit-api', preset: '../../jest.preset.js', rootDir: __dirname };
