module.exports = { displayName: 'site-agent', preset: '../../jest.preset.js', rootDir: __dirname };
