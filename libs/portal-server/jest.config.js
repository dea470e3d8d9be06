module.exports = { displayName: 'portal-server', preset: '../../jest.preset.js', rootDir: __dirname };
