import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClientOptions, JobsClient } from '@cairn/client';
import { subjects } from '@cairn/contracts';
import { createTestDatabase, type TestDatabase } from './database';
import { type DevIdp, type DevIdpUsername, startDevIdp } from './dev-idp';
import { freePort } from './free-port';
import { type NatsUser, siteAgentUser, startNats, type TestNats } from './nats-server';
import { ServiceProcess } from './service-process';
import { testEnv } from './test-env';

export interface CairnStack {
  site: string;
  dir: string;
  grpcAddress: string;
  nats: TestNats;
  database: TestDatabase;
  services: Record<'gateway' | 'scheduler' | 'images' | 'agent', ServiceProcess>;
  /** The dev IdP (tools/dev-idp) the gateway trusts: the stack's only issuer. */
  idp: DevIdp;
  /** An access token of each person (logged in through the IdP's device flow; valid an hour). */
  tokens: Record<DevIdpUsername, string>;
  /** A JobsClient per person, carrying their token. */
  clients: Record<DevIdpUsername, JobsClient>;
  /** What a client needs to reach the gateway as `person` (default alice): their token. */
  clientOptions(person?: DevIdpUsername): ClientOptions;
  /** Alice's JobsClient. */
  client: JobsClient;
  stop(): Promise<void>;
}

/** The people of the dev identity world and their Slurm accounts (first = default). */
export const STACK_ACCOUNTS: Record<DevIdpUsername, string[]> = { alice: ['alice-lab', 'genomics'], bob: ['genomics'], carol: ['ops'] };

/** Writes the gateway's identity configuration (docs/identity.md) for the dev IdP into `dir`; returns its path. */
function writeIdentityConfig(dir: string, idp: DevIdp, jwksRefetchSeconds: number): string {
  const mappingFile = join(dir, 'identity-map.json');
  writeFileSync(mappingFile, JSON.stringify({ accounts: STACK_ACCOUNTS }), { mode: 0o600 });
  const config = join(dir, 'identity.json');
  const identity = {
    issuers: [{ issuer: idp.issuer, audience: idp.audience, algorithms: ['RS256', 'ES256'], clockSkewSeconds: 30, jwksRefetchSeconds }],
    mappingFile,
    mapping: [{ rule: 'template', template: '{preferred_username}' }],
    // Generous: the suites call fast, and a refusal here would be noise.
    rateLimit: { perSecond: 1000, burst: 5000 },
  };
  writeFileSync(config, JSON.stringify(identity, null, 2), { mode: 0o600 });
  return config;
}

/**
 * The whole of Cairn on this machine, as real processes: a private nats-server, a fresh
 * PostgreSQL database, and the gateway, scheduler, images service and one agent, which
 * submits to the real Slurm and runs the real container runtime.
 */
export async function startCairnStack(
  options: {
    agentEnv?: Record<string, string>;
    /** More NATS users (say, another site's agent, to play a hostile one). */
    natsUsers?: NatsUser[];
    /** How often an unknown kid may refetch the IdP's keys (default 30 s; key rotation specs lower it). */
    jwksRefetchSeconds?: number;
  } = {},
): Promise<CairnStack> {
  const env = testEnv();
  const site = `t${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-stack-'));
  // Jobs run as the job user: it must reach the agent's directory below (but not list this one).
  chmodSync(dir, 0o711);
  // The services connect as the full-rights services user; the agent as a user confined
  // to its site's subjects, as in production. No connection is anonymous.
  const agentUser = siteAgentUser(site);
  const nats = await startNats({ users: [agentUser, ...(options.natsUsers ?? [])] });
  const database = await createTestDatabase();
  const idp = await startDevIdp({ accessTokenTtl: 3600 });
  const identityConfig = writeIdentityConfig(dir, idp, options.jwksRefetchSeconds ?? 30);
  const grpcAddress = `127.0.0.1:${await freePort()}`;
  const common = {
    CAIRN_NATS_URL: nats.url,
    CAIRN_NATS_USER: nats.services.user,
    CAIRN_NATS_PASSWORD: nats.services.password,
    CAIRN_DATA_DIR: join(dir, 'data'),
    CAIRN_LOG_LEVEL: 'debug',
  };
  const make = (app: 'gateway' | 'scheduler' | 'images' | 'agent', extra: Record<string, string>, healthSubject = subjects.health(app)) =>
    new ServiceProcess({ app, env: { ...common, ...extra }, healthSubject, nats: nats.connectOptions, logFile: join(dir, `${app}.log`) });
  const services = {
    scheduler: make('scheduler', { CAIRN_DATABASE_URL: database.url, CAIRN_SITES: site, CAIRN_DISPATCH_INTERVAL_MS: '500', CAIRN_ENGINE_INTERVAL_MS: '500' }),
    images: make('images', { CAIRN_REGISTRY: env.registry, CAIRN_INSECURE_REGISTRIES: env.registry }),
    agent: make(
      'agent',
      {
        CAIRN_SITE: site,
        CAIRN_NATS_USER: agentUser.user,
        CAIRN_NATS_PASSWORD: agentUser.password,
        CAIRN_AGENT_WORK_DIR: join(dir, 'agent'),
        CAIRN_AGENT_JOB_USER: env.jobUser,
        CAIRN_POLL_INTERVAL_MS: '500',
        CAIRN_INSECURE_REGISTRIES: env.registry,
        CAIRN_SLURM_PARTITION: env.partition,
        ...options.agentEnv,
      },
      subjects.site(site).health,
    ),
    gateway: make('gateway', { CAIRN_GRPC_ADDRESS: grpcAddress, CAIRN_DEFAULT_SITE: site, CAIRN_IDENTITY_CONFIG: identityConfig }),
  };
  await Promise.all(Object.values(services).map((s) => s.start()));
  const tokens = { alice: '', bob: '', carol: '' };
  for (const person of ['alice', 'bob', 'carol'] as const) tokens[person] = (await idp.deviceLogin(person)).accessToken;
  const clientOptions = (person: DevIdpUsername = 'alice'): ClientOptions => ({ token: tokens[person] });
  const clients = { alice: new JobsClient(grpcAddress, clientOptions('alice')), bob: new JobsClient(grpcAddress, clientOptions('bob')), carol: new JobsClient(grpcAddress, clientOptions('carol')) };
  const client = clients.alice;
  return {
    site,
    dir,
    grpcAddress,
    nats,
    database,
    services,
    idp,
    tokens,
    clients,
    clientOptions,
    client,
    stop: async () => {
      for (const each of Object.values(clients)) each.close();
      await Promise.all(Object.values(services).map((s) => s.kill('SIGTERM')));
      await nats.stop();
      await database.drop();
      await idp.stop();
    },
  };
}
