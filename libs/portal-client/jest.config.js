module.exports = { displayName: 'portal-client', preset: '../../jest.preset.js', rootDir: __dirname };
