module.exports = { displayName: 'workflow-planner', preset: '../../jest.preset.js', rootDir: __dirname };
