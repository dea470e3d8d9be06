module.exports = { displayName: 'portal-views', preset: '../../jest.preset.js', rootDir: __dirname };
