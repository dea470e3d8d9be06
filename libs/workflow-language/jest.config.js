module.exports = { displayName: 'workflow-language', preset: '../../jest.preset.js', rootDir: __dirname };
