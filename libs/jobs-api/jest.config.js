module.exports = { displayName: 'jobs-api', preset: '../../jest.preset.js', rootDir: __dirname };
