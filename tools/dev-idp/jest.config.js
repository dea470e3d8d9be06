module.exports = { displayName: 'dev-idp', preset: '../../jest.preset.js', rootDir: __dirname };
