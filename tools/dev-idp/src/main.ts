// The Cairn dev IdP (oidc-provider): `node -r tools/register.js tools/dev-idp/src/main.ts <command>`.
// See tools/dev-idp/README.md.
import { existsSync, readFileSync } from 'node:fs';
import { currentKid, newSigningKey, retireOld, rotate } from './keystore';
import { initState, readKeystore, writeKeystore } from './secrets';
import type { Serving } from './server';
import { parseCommand } from './settings';
import { readStateJson, statePath } from './state-files';

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} dev-idp: ${line}\n`);
const now = () => Math.floor(Date.now() / 1000);

/** Whether `pid` is a `dev-idp serve` (a stale serving.json may name a pid reused since). */
function isDevIdpServer(pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes('serve') && argv.some((a) => a.endsWith('dev-idp/src/main.ts'));
  } catch {
    return false;
  }
}

/** Tells the running server (if any) to reload, and waits until it serves exactly `kids`. */
async function reloadServer(state: string, kids: string[]): Promise<void> {
  const kid = kids.join(', ');
  if (!existsSync(statePath(state, 'serving'))) return;
  const serving = readStateJson(state, 'serving') as Partial<Serving>;
  const pid = serving.pid;
  if (typeof pid !== 'number') return;
  if (!isDevIdpServer(pid)) {
    log(`no dev IdP server runs as pid ${pid}; it will use the keys ${kid} when it starts`);
    return;
  }
  process.kill(pid, 'SIGHUP');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const latest = readStateJson(state, 'serving') as Partial<Serving>;
    if (latest.kids?.join(', ') === kid) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`dev-idp: the server (pid ${pid}) did not take the keys ${kid} within 15 s; see its log`);
}

async function main(): Promise<void> {
  const command = parseCommand(process.argv.slice(2));
  switch (command.command) {
    case 'init': {
      const created = initState(command.state, { firstKid: command.firstKid });
      log(created.length ? `created ${created.map((f) => statePath(command.state, f)).join(', ')}` : `${command.state} is complete`);
      return;
    }
    case 'serve': {
      // Loaded only here: oidc-provider is ESM (Node 20.19+ require()s it) and the other commands do without it.
      const { serve } = await import('./server');
      await serve(command, log);
      return;
    }
    case 'rotate': {
      const store = rotate(readKeystore(command.state), newSigningKey(now(), command.kid), now(), command.retainSeconds);
      writeKeystore(command.state, store);
      await reloadServer(command.state, store.keys.map((k) => k.jwk.kid));
      process.stdout.write(`${JSON.stringify({ kid: currentKid(store), kids: store.keys.map((k) => k.jwk.kid) })}\n`);
      return;
    }
    case 'retire': {
      const store = retireOld(readKeystore(command.state));
      writeKeystore(command.state, store);
      await reloadServer(command.state, store.keys.map((k) => k.jwk.kid));
      process.stdout.write(`${JSON.stringify({ kid: currentKid(store), kids: store.keys.map((k) => k.jwk.kid) })}\n`);
      return;
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
