module.exports = {
  displayName: 'cli-commands',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  setupFiles: ['<rootDir>/jest.setup.js'],
};
