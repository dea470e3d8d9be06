import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { freePort, waitFor } from './free-port';

export interface NatsUser {
  user: string;
  password: string;
  publish: string[];
  subscribe: string[];
}

export interface TestNats {
  url: string;
  /** How a test connects (as the first user, when there are users). */
  connectOptions: { servers: string; user?: string; pass?: string };
  dir: string;
  stop(): Promise<void>;
}

/**
 * A private nats-server with JetStream on a free loopback port and its own store, so
 * tests never share streams. With `users`, per-user subject permissions are enforced.
 */
export async function startNats(options: { users?: NatsUser[] } = {}): Promise<TestNats> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cairn-nats-'));
  const lines = [`listen: 127.0.0.1:${port}`, `jetstream { store_dir: "${dir}" }`];
  if (options.users) {
    const users = options.users.map(
      (u) =>
        `{ user: "${u.user}", password: "${u.password}", permissions: { publish: ${JSON.stringify(u.publish)}, subscribe: ${JSON.stringify(u.subscribe)} } }`,
    );
    lines.push(`authorization { users = [ ${users.join(', ')} ] }`);
  }
  writeFileSync(join(dir, 'nats.conf'), `${lines.join('\n')}\n`);
  const log = openSync(join(dir, 'nats.log'), 'a');
  const child: ChildProcess = spawn('nats-server', ['-c', join(dir, 'nats.conf')], { stdio: ['ignore', log, log] });
  const url = `nats://127.0.0.1:${port}`;
  const probeUser = options.users?.[0];
  await waitFor('nats-server', async () => {
    if (child.exitCode !== null) throw new Error(`nats-server exited (${child.exitCode}); see ${dir}/nats.log`);
    const nc = await connect({ servers: url, user: probeUser?.user, pass: probeUser?.password, reconnect: false });
    await nc.close();
    return true;
  });
  return {
    url,
    connectOptions: { servers: url, user: probeUser?.user, pass: probeUser?.password },
    dir,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
