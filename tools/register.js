// Runs Cairn's TypeScript directly: SWC compiles each file on load (decorator metadata
// included, which Nest's dependency injection needs) and resolves the @cairn/* aliases
// from tsconfig.base.json. See docs/adr/0002-run-typescript-with-swc.md.
process.env.SWC_NODE_PROJECT ??= require('node:path').join(__dirname, '..', 'tsconfig.base.json');
require('@swc-node/register');
