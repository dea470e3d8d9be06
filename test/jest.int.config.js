module.exports = {
  ...require('../jest.int.preset.js'),
  displayName: 'e2e:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/e2e/**/*.int-spec.ts'],
};
