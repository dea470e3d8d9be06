module.exports = { displayName: 'portal-ui', preset: '../../jest.preset.js', rootDir: __dirname };
