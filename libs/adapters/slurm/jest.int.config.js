module.exports = { ...require('../../../jest.int.preset.js'), displayName: 'adapter-slurm:integration', rootDir: __dirname };
