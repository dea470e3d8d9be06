// The workspace's project roots: each directory under apps, libs, tools and test with a
// project.json (the projects tools/nx/cairn-checks.plugin.js and Nx find). Run alone, it
// prints them one a line (tools/test.sh lints them in one ESLint process).
const { existsSync, readdirSync } = require('node:fs');
const { join, relative } = require('node:path');

const workspace = join(__dirname, '..', '..');

function projectRoots() {
  const roots = [];
  const walk = (dir) => {
    if (existsSync(join(dir, 'project.json'))) roots.push(relative(workspace, dir));
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(join(dir, entry.name));
    }
  };
  for (const top of ['apps', 'libs', 'tools', 'test']) if (existsSync(join(workspace, top))) walk(join(workspace, top));
  return roots.sort();
}

module.exports = { projectRoots, workspace };

if (require.main === module) process.stdout.write(`${projectRoots().join('\n')}\n`);
