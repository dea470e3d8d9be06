module.exports = { displayName: 'workflows-api', preset: '../../jest.preset.js', rootDir: __dirname };
