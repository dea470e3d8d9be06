module.exports = { ...require('../../../jest.int.preset.js'), displayName: 'adapter-oci-registry:integration', rootDir: __dirname };
