// Type-checks one project: the files under its root with tsconfig.json's compiler options
// (strict, the @cairn/* paths), or with the project's own tsconfig.json when it has one (the
// browser's projects: DOM, JSX; see tsconfig.web.json). Usage: node tools/nx/typecheck.js <project-root>
const ts = require('typescript');
const { existsSync } = require('node:fs');
const { dirname, join } = require('node:path');

const workspace = join(__dirname, '..', '..');
const projectRoot = process.argv[2];
if (!projectRoot) {
  console.error('usage: node tools/nx/typecheck.js <project-root>');
  process.exit(2);
}

const own = join(workspace, projectRoot, 'tsconfig.json');
const configFile = existsSync(own) ? own : join(workspace, 'tsconfig.json');
const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile);
if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
if (configFile !== own) config.include = [`${projectRoot}/**/*.ts`];
const parsed = ts.parseJsonConfigFileContent(config, ts.sys, dirname(configFile));
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
