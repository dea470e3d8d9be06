// Type-checks one project: the files under its root with tsconfig.json's compiler options
// (strict, the @cairn/* paths), or with the project's own tsconfig.json when it has one (the
// browser's projects: DOM, JSX; see tsconfig.web.json). Usage: node tools/nx/typecheck.js <project-root>
//
// With --all (tools/test.sh): every project, in as few programs as give the same checks:
// one program over the files of every project that uses tsconfig.json (the same compiler
// options, the union of the same files), and one per project with its own tsconfig.json.
// Each per-project program also checks the sources its imports reach, so fifty of them
// check the shared libraries fifty times; one program checks each file once (about 30 s
// of CPU against about 10 s per project).
const ts = require('typescript');
const { existsSync } = require('node:fs');
const { dirname, join } = require('node:path');

const { projectRoots, workspace } = require('./project-roots');
const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => workspace, getNewLine: () => '\n' };

/** Checks the projects at `roots` that share a config file (tsconfig.json: `include` set to their files). Returns the count of files, or -1 on errors. */
function check(configFile, roots, label) {
  const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  if (roots) config.include = roots.map((root) => `${root}/**/*.ts`);
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, dirname(configFile));
  if (parsed.fileNames.length === 0) {
    console.log(`${label}: no TypeScript files`);
    return 0;
  }
  const program = ts.createProgram(parsed.fileNames, { ...parsed.options, noEmit: true });
  const diagnostics = [...parsed.errors, ...ts.getPreEmitDiagnostics(program)];
  if (diagnostics.length > 0) {
    console.error(ts.formatDiagnosticsWithColorAndContext(diagnostics, host));
    return -1;
  }
  console.log(`${label}: ${parsed.fileNames.length} files type-check`);
  return parsed.fileNames.length;
}

const ownConfig = (root) => join(workspace, root, 'tsconfig.json');
const shared = join(workspace, 'tsconfig.json');

const arg = process.argv[2];
if (!arg) {
  console.error('usage: node tools/nx/typecheck.js <project-root> | --all');
  process.exit(2);
}
let failed = false;
if (arg === '--all') {
  const roots = projectRoots();
  const own = roots.filter((root) => existsSync(ownConfig(root)));
  const rest = roots.filter((root) => !own.includes(root));
  failed = check(shared, rest, `${rest.length} projects (tsconfig.json)`) < 0;
  for (const root of own) failed = check(ownConfig(root), undefined, root) < 0 || failed;
} else {
  failed = existsSync(ownConfig(arg)) ? check(ownConfig(arg), undefined, arg) < 0 : check(shared, [arg], arg) < 0;
}
process.exit(failed ? 1 : 0);
