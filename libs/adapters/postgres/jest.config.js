module.exports = { displayName: 'adapter-postgres', preset: '../../../jest.preset.js', rootDir: __dirname };
