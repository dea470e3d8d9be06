// The specs open a real PGlite per file (in beforeAll); on a loaded machine that takes longer
// than Jest's default 5 s, so hooks and tests get 60 s (no spec asserts on time).
module.exports = { displayName: 'workflows', preset: '../../jest.preset.js', rootDir: __dirname, testTimeout: 60_000 };
