import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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

/** What `connectNats` (the adapter) takes to connect as one user. */
export interface NatsClientOptions {
  url: string;
  user: string;
  password: string;
}

export interface TestNats {
  url: string;
  /** The full-rights user every test server has (what services connect as). */
  services: NatsUser;
  /** `connectNats` options for the services user: `connectNats({ ...nats.client, name })`. */
  client: NatsClientOptions;
  /** nats.js `connect` options for the services user. */
  connectOptions: { servers: string; user: string; pass: string };
  /** `connectNats` options for another of the server's users. */
  clientFor(user: NatsUser): NatsClientOptions;
  dir: string;
  stop(): Promise<void>;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const SUBJECT = /^[A-Za-z0-9_$*>.-]{1,256}$/;

/** A user with a fresh random password who may publish and subscribe on `subjects`. */
export function natsUser(user: string, subjects: string[]): NatsUser {
  return { user, password: randomBytes(16).toString('hex'), publish: subjects, subscribe: subjects };
}

/** A site's agent user, confined as in production to its own site's subjects and replies. */
export function siteAgentUser(site: string): NatsUser {
  return natsUser(`agent-${site}`, [`cairn.site.${site}.>`, '_INBOX.>']);
}

function userEntry(u: NatsUser): string {
  if (!NAME.test(u.user) || !NAME.test(u.password)) throw new Error(`startNats: bad user name or password for ${JSON.stringify(u.user)}`);
  for (const s of [...u.publish, ...u.subscribe]) if (!SUBJECT.test(s)) throw new Error(`startNats: bad subject ${JSON.stringify(s)}`);
  const list = (subjects: string[]) => `[${subjects.map((s) => JSON.stringify(s)).join(', ')}]`;
  return `{ user: ${JSON.stringify(u.user)}, password: ${JSON.stringify(u.password)}, permissions: { publish: ${list(u.publish)}, subscribe: ${list(u.subscribe)} } }`;
}

/**
 * A private nats-server with JetStream on a free loopback port and its own store, so
 * tests never share streams. Like every NATS of Cairn's, it takes no anonymous clients:
 * it always has a full-rights services user (`services`), plus the `users` given, each
 * held to its subject permissions.
 */
export async function startNats(options: { users?: NatsUser[]; maxPayload?: number } = {}): Promise<TestNats> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cairn-nats-'));
  const services = natsUser('services', ['>']);
  const users = [services, ...(options.users ?? [])];
  const lines = [
    `listen: 127.0.0.1:${port}`,
    `jetstream { store_dir: ${JSON.stringify(dir)} }`,
    `authorization { users = [ ${users.map(userEntry).join(', ')} ] }`,
  ];
  // A lower largest message (bytes), to test Cairn's size limits.
  if (options.maxPayload !== undefined) lines.push(`max_payload: ${Math.floor(options.maxPayload)}`);
  writeFileSync(join(dir, 'nats.conf'), `${lines.join('\n')}\n`, { mode: 0o600 });
  const log = openSync(join(dir, 'nats.log'), 'a');
  const child: ChildProcess = spawn('nats-server', ['-c', join(dir, 'nats.conf')], { stdio: ['ignore', log, log] });
  const url = `nats://127.0.0.1:${port}`;
  const clientFor = (u: NatsUser): NatsClientOptions => ({ url, user: u.user, password: u.password });
  const connectOptions = { servers: url, user: services.user, pass: services.password };
  await waitFor('nats-server', async () => {
    if (child.exitCode !== null) throw new Error(`nats-server exited (${child.exitCode}); see ${dir}/nats.log`);
    const nc = await connect({ ...connectOptions, reconnect: false });
    await nc.close();
    return true;
  });
  return {
    url,
    services,
    client: clientFor(services),
    connectOptions,
    clientFor,
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
