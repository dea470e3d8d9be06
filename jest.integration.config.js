// Every integration and end-to-end spec in one Jest run, one worker: the projects' own
// jest.int.config.js files (each project's Nx `integration` target runs its one). Handy for
// one suite by file name: `npx jest -c jest.integration.config.js --runInBand grpc-surface`.
module.exports = {
  projects: ['<rootDir>/libs/**/jest.int.config.js', '<rootDir>/tools/**/jest.int.config.js', '<rootDir>/test/jest.int.config.js'],
  maxWorkers: 1,
  // testTimeout is a global option: the projects' preset value does not apply under `projects`.
  testTimeout: require('./jest.int.preset.js').testTimeout,
  forceExit: require('./jest.int.preset.js').forceExit,
};
