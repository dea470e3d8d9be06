// Writes deploy/nats/grants.json, the NATS users' grants as libs/contracts/src/nats-permissions.ts
// derives them (ADR 0010), which tools/nats-users/render-users.sh renders for the dev cluster,
// the tests and deploy/. `--check` fails when the file on disk differs.
// Run: node -r ./tools/register.js tools/nats-users/nats-users.ts [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { natsGrantsDocument } from '@cairn/contracts';

const target = join(__dirname, '..', '..', 'deploy', 'nats', 'grants.json');
const text = `${JSON.stringify(natsGrantsDocument(), null, 2)}\n`;
if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== text) {
    process.stderr.write('deploy/nats/grants.json is out of date: run node -r ./tools/register.js tools/nats-users/nats-users.ts\n');
    process.exit(1);
  }
  process.stdout.write('deploy/nats/grants.json matches libs/contracts/src/nats-permissions.ts\n');
} else {
  writeFileSync(target, text);
  process.stdout.write(`wrote ${target}\n`);
}
