// Nx plugin (local): infers two targets for every project, so a new lib gets them without edits.
// - typecheck: `tsc --noEmit` over the project's own files with the workspace compiler options
//   (tools/nx/typecheck.js), cached on the project's files and its dependencies' sources.
// - integration: for a project with a jest.int.config.js, its integration and end-to-end specs
//   (`test/**/*.int-spec.ts`) through the real parts, with the workers its config sets
//   (jest.int.preset.js: one; the end-to-end suites two, each with a stack of its own).
// (@nx/jest/plugin only reads files named jest.config.*, so it cannot infer this second target.)
// Inputs and caching of both are in nx.json's targetDefaults.
const { existsSync } = require('node:fs');
const { dirname, join } = require('node:path');

const createNodesV2 = [
  '**/project.json',
  async (projectFiles, _options, context) =>
    projectFiles.map((projectFile) => {
      const root = dirname(projectFile);
      const targets = {
        typecheck: {
          command: `node tools/nx/typecheck.js ${root}`,
          options: { cwd: '{workspaceRoot}' },
          metadata: { description: 'Type-check the project (tsc --noEmit, workspace compiler options)' },
        },
      };
      if (existsSync(join(context.workspaceRoot, root, 'jest.int.config.js'))) {
        targets.integration = {
          command: 'jest --config jest.int.config.js',
          options: { cwd: root, env: { NODE_OPTIONS: '--experimental-vm-modules' } },
          metadata: { description: 'Integration and end-to-end specs through the real parts (workers: as the config sets)' },
        };
      }
      return [projectFile, { projects: { [root]: { targets } } }];
    }),
];

module.exports = { createNodesV2 };
