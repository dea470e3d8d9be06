import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import {
  agentGrant,
  monitorGrant,
  NATS_SERVICES,
  natsInboxPrefix,
  natsPasswordVariable,
  type NatsPermissions,
  type NatsService,
  type NatsUserGrant,
  serviceGrant,
  streamReaderSubjects,
} from '@cairn/contracts';
import { freePort, waitFor } from './free-port';
import { WORKSPACE } from './service-process';
import { makeTestCa, type TestCa } from './test-tls';

/** A user of a test nats-server: its name, a fresh random password, and its rights. */
export interface NatsUser {
  user: string;
  password: string;
  permissions: NatsPermissions;
}

/** What `connectNats` (the adapter) takes to connect as one user. */
export interface NatsClientOptions {
  url: string;
  user: string;
  password: string;
  /** The CA file, when the server speaks TLS. */
  ca?: string;
}

/** nats.js `connect` options for one user. */
export interface NatsConnectOptions {
  servers: string;
  user: string;
  pass: string;
  inboxPrefix: string;
  tls?: { caFile: string };
}

export interface TestNats {
  url: string;
  /** Each service's own user, held to its grant (libs/contracts/src/nats-permissions.ts). */
  users: Record<NatsService, NatsUser> & { monitor: NatsUser };
  /** The agent user of a site the server was started with. */
  agent(site: string): NatsUser;
  /**
   * The user of the adapter's own tests: `test.>` and the JetStream API, nothing of
   * Cairn's subjects.
   */
  tester: NatsUser;
  /** With `tls`: the test CA (its PEM file `ca.file`) that signed the server's certificate. */
  ca?: TestCa;
  /** `connectNats` options for one of the server's users: `connectNats({ ...nats.clientFor(u), name })`. */
  clientFor(user: NatsUser): NatsClientOptions;
  /** nats.js `connect` options for one of the server's users. */
  connectOptionsFor(user: NatsUser): NatsConnectOptions;
  /** The environment a service connecting as `user` gets (URL, user, password file, CA). */
  envFor(user: NatsUser): Record<string, string>;
  /** The permission violations the server logged so far for these users (all users when none given). */
  violations(users?: NatsUser[]): string[];
  dir: string;
  stop(): Promise<void>;
}

const password = () => randomBytes(24).toString('base64url');

function fromGrant(grant: NatsUserGrant): NatsUser {
  return { user: grant.user, password: password(), permissions: grant.permissions };
}

/** A user with a fresh random password who may publish and subscribe on `subjects` (and its inbox). */
export function natsUser(user: string, subjects: string[]): NatsUser {
  return {
    user,
    password: password(),
    permissions: {
      publish: { allow: subjects, deny: [] },
      subscribe: { allow: [...subjects, `${natsInboxPrefix(user)}.>`], deny: [] },
      allowResponses: true,
    },
  };
}

/**
 * A test's own reader of one stream (replays and follows it with ordered consumers, as the
 * gateway does its streams), for tests that watch what agents publish; nothing else.
 */
export function natsStreamReader(user: string, stream: string): NatsUser {
  return {
    user,
    password: password(),
    permissions: { publish: { allow: streamReaderSubjects(stream), deny: [] }, subscribe: { allow: [`${natsInboxPrefix(user)}.>`], deny: [] }, allowResponses: true },
  };
}

/** A site's agent user, exactly as production grants it (for a second, hostile agent). */
export function siteAgentUser(site: string): NatsUser {
  return fromGrant(agentGrant(site));
}

/** The authorization block from deploy/nats/grants.json, by the renderer every Cairn NATS uses (tools/nats-users/render-users.sh). */
function renderUsers(dir: string, sites: string[], extra: NatsUser[]): string {
  const extraFile = join(dir, 'extra-users.json');
  writeFileSync(extraFile, JSON.stringify(extra.map((u): NatsUserGrant => ({ user: u.user, role: 'test user', permissions: u.permissions }))), { mode: 0o600 });
  const script = join(WORKSPACE, 'tools', 'nats-users', 'render-users.sh');
  const result = spawnSync('bash', [script, join(WORKSPACE, 'deploy', 'nats', 'grants.json'), '--extra', extraFile, ...sites], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`render-users.sh failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/**
 * A private nats-server with JetStream on a free loopback port and its own store, so
 * tests never share streams. Like every NATS of Cairn's, it takes only its users, each held
 * to its grant: one per service, the monitor, one agent per site in `sites`, the adapter
 * tests' `tester`, and the `users` given. No user may do everything. With `tls`, it speaks
 * only TLS, with a certificate of a CA made for it (`ca`).
 */
export async function startNats(options: { sites?: string[]; users?: NatsUser[]; maxPayload?: number; tls?: boolean } = {}): Promise<TestNats> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cairn-nats-'));
  const services = Object.fromEntries(NATS_SERVICES.map((s) => [s, fromGrant(serviceGrant(s))])) as Record<NatsService, NatsUser>;
  const users = { ...services, monitor: fromGrant(monitorGrant()) };
  const sites = options.sites ?? [];
  const agents = new Map(sites.map((site) => [site, siteAgentUser(site)]));
  const tester = natsUser('tester', ['test.>', '$JS.API.>']);
  const extra = [tester, ...(options.users ?? [])];
  const all = [...Object.values(users), ...agents.values(), ...extra];
  const ca = options.tls ? makeTestCa(join(dir, 'tls')) : undefined;
  const lines = [
    `listen: 127.0.0.1:${port}`,
    `jetstream { store_dir: ${JSON.stringify(dir)} }`,
    renderUsers(dir, sites, extra),
  ];
  if (ca) lines.push(`tls { cert_file: ${JSON.stringify(ca.serverCert)}, key_file: ${JSON.stringify(ca.serverKey)} }`);
  // A lower largest message (bytes), to test Cairn's size limits.
  if (options.maxPayload !== undefined) lines.push(`max_payload: ${Math.floor(options.maxPayload)}`);
  writeFileSync(join(dir, 'nats.conf'), `${lines.join('\n')}\n`, { mode: 0o600 });
  const log = openSync(join(dir, 'nats.log'), 'a');
  // Each password reaches nats-server in its environment (the config names the variable), as
  // in production; quoted, because nats-server parses a variable's value as a config value.
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...Object.fromEntries(all.map((u) => [natsPasswordVariable(u.user), JSON.stringify(u.password)])) };
  const child: ChildProcess = spawn('nats-server', ['-c', join(dir, 'nats.conf')], { stdio: ['ignore', log, log], env });
  const url = `${ca ? 'tls' : 'nats'}://127.0.0.1:${port}`;
  const clientFor = (u: NatsUser): NatsClientOptions => ({ url, user: u.user, password: u.password, ...(ca ? { ca: ca.file } : {}) });
  const connectOptionsFor = (u: NatsUser): NatsConnectOptions => ({
    servers: url,
    user: u.user,
    pass: u.password,
    inboxPrefix: natsInboxPrefix(u.user),
    ...(ca ? { tls: { caFile: ca.file } } : {}),
  });
  let secrets = 0;
  const envFor = (u: NatsUser): Record<string, string> => {
    // The password travels in a file only its owner may read, as in production.
    const file = join(dir, `password-${secrets++}`);
    writeFileSync(file, u.password, { mode: 0o600 });
    return { CAIRN_NATS_URL: url, CAIRN_NATS_USER: u.user, CAIRN_NATS_PASSWORD_FILE: file, ...(ca ? { CAIRN_NATS_CA: ca.file } : {}) };
  };
  await waitFor('nats-server', async () => {
    if (child.exitCode !== null) throw new Error(`nats-server exited (${child.exitCode}); see ${dir}/nats.log`);
    const nc = await connect({ ...connectOptionsFor(users.monitor), reconnect: false });
    await nc.close();
    return true;
  });
  return {
    url,
    users,
    agent: (site) => {
      const agent = agents.get(site);
      if (!agent) throw new Error(`startNats: no agent user for site ${site} (pass it in sites)`);
      return agent;
    },
    tester,
    ca,
    clientFor,
    connectOptionsFor,
    envFor,
    violations: (of) =>
      readFileSync(join(dir, 'nats.log'), 'utf8')
        .split('\n')
        .filter((line) => / - (Publish|Subscription) Violation - /.test(line))
        .filter((line) => of === undefined || of.some((u) => line.includes(`User "${u.user}"`))),
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
