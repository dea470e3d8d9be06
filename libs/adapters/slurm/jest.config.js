module.exports = { displayName: 'adapter-slurm', preset: '../../../jest.preset.js', rootDir: __dirname };
