module.exports = { displayName: 'grpc-server', preset: '../../jest.preset.js', rootDir: __dirname };
