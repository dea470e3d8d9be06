module.exports = { displayName: 'adapter-oci-registry', preset: '../../../jest.preset.js', rootDir: __dirname };
