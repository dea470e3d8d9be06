module.exports = { displayName: 'audit-log', preset: '../../jest.preset.js', rootDir: __dirname };
