// Type-checks one project: the files under its root with tsconfig.json's compiler options
// (strict, the @cairn/* paths). Usage: node tools/nx/typecheck.js <project-root>
const ts = require('typescript');
const { join } = require('node:path');

const workspace = join(__dirname, '..', '..');
const projectRoot = process.argv[2];
if (!projectRoot) {
  console.error('usage: node tools/nx/typecheck.js <project-root>');
  process.exit(2);
}

const { config, error } = ts.readConfigFile(join(workspace, 'tsconfig.json'), ts.sys.readFile);
if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
config.include = [`${projectRoot}/**/*.ts`];
const parsed = ts.parseJsonConfigFileContent(config, ts.sys, workspace);
if (parsed.fileNames.length === 0) {
  console.log(`${projectRoot}: no TypeScript files`);
  process.exit(0);
}
const program = ts.createProgram(parsed.fileNames, { ...parsed.options, noEmit: true });
const diagnostics = [...parsed.errors, ...ts.getPreEmitDiagnostics(program)];
const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => workspace, getNewLine: () => '\n' };
if (diagnostics.length > 0) {
  console.error(ts.formatDiagnosticsWithColorAndContext(diagnostics, host));
  process.exit(1);
}
console.log(`${projectRoot}: ${parsed.fileNames.length} files type-check`);
