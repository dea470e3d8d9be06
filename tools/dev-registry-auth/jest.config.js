module.exports = { displayName: 'dev-registry-auth', preset: '../../jest.preset.js', rootDir: __dirname };
