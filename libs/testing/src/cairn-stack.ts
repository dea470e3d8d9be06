import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClientOptions, JobsClient } from '@cairn/client';
import { subjects } from '@cairn/contracts';
import { createTestDatabase, type TestDatabase } from './database';
import { type DevIdp, type DevIdpUsername, startDevIdp } from './dev-idp';
import { freePort } from './free-port';
import { type NatsUser, startNats, type TestNats } from './nats-server';
import { PORTAL_BUNDLE_DIR, requirePortalBundle, waitForPortal } from './portal-session';
import { ServiceProcess } from './service-process';
import { type TestEnv, testEnv } from './test-env';

export interface CairnStack {
  site: string;
  dir: string;
  grpcAddress: string;
  /** The CA (PEM) that signed the gateway's (and NATS's) certificate: pass `{ ca: stack.ca }` to every client. */
  ca: Buffer;
  nats: TestNats;
  database: TestDatabase;
  services: Record<StackService, ServiceProcess>;
  /** The dev IdP (tools/dev-idp) the gateway trusts: the stack's only issuer. */
  idp: DevIdp;
  /** An access token of each person (logged in through the IdP's device flow; valid an hour). */
  tokens: Record<DevIdpUsername, string>;
  /** A JobsClient per person, carrying their token. */
  clients: Record<DevIdpUsername, JobsClient>;
  /** What a client needs to reach the gateway as `person` (default alice): the CA and their token. */
  clientOptions(person?: DevIdpUsername): ClientOptions;
  /** Alice's JobsClient. */
  client: JobsClient;
  /** With `portal: true`: the gateway's web portal, https://127.0.0.1:<port> (HTTP/2; certificate signed by `ca`). */
  portalUrl?: string;
  /**
   * With `portal: true`: a second gateway (same NATS, IdP and services) with more settings,
   * e.g. `{ CAIRN_PORTAL_SESSION_MAX_SECONDS: '20' }`; its portal's redirect URI is registered
   * at the IdP in advance. One per stack; stack.stop() stops it too.
   */
  startExtraGateway(env?: Record<string, string>): Promise<ExtraGateway>;
  stop(): Promise<void>;
}

/** The services a stack runs, each a real process tests may kill (-9) and restart. */
export type StackService = 'gateway' | 'scheduler' | 'images' | 'agent' | 'provenance';

/** A second gateway of the stack (startExtraGateway). */
export interface ExtraGateway {
  grpcAddress: string;
  portalUrl: string;
  process: ServiceProcess;
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
 * The images service's registry settings for the dev cluster's registries (open :5000, basic
 * :5001, token :5002): unqualified names on the open one, all three over plain HTTP and
 * allowed at every site, the credentials of the other two from the dev auth file.
 */
export function devRegistryEnv(env: TestEnv): Record<string, string> {
  const registries = [...new Set([env.registry, env.basicRegistry, env.tokenRegistry])].join(',');
  return {
    CAIRN_REGISTRY: env.registry,
    CAIRN_INSECURE_REGISTRIES: registries,
    CAIRN_REGISTRY_ALLOW: registries,
    ...(env.registryAuthFile ? { CAIRN_REGISTRY_AUTH_FILE: env.registryAuthFile } : {}),
  };
}

/**
 * The whole of Cairn on this machine, as real processes: a private nats-server, a fresh
 * PostgreSQL database, and the gateway, scheduler, images service, provenance service and one agent, which
 * submits to the real Slurm and runs the real container runtime.
 */
export async function startCairnStack(
  options: {
    agentEnv?: Record<string, string>;
    /** More settings of the gateway (say, CAIRN_SITES with sites that have no agent). */
    gatewayEnv?: Record<string, string>;
    /** More settings of the images service, over devRegistryEnv's (say, a narrower CAIRN_REGISTRY_ALLOW). */
    imagesEnv?: Record<string, string>;
    /** More NATS users (say, another site's agent, to play a hostile one). */
    natsUsers?: NatsUser[];
    /** How often an unknown kid may refetch the IdP's keys (default 30 s; key rotation specs lower it). */
    jwksRefetchSeconds?: number;
    /** Serve the web portal (the built bundle in dist/apps/portal: run `npx nx run portal:build` first). */
    portal?: boolean;
  } = {},
): Promise<CairnStack> {
  const env = testEnv();
  const site = `t${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-stack-'));
  // Jobs run as the job user: it must reach the agent's directory below (but not list this one).
  chmodSync(dir, 0o711);
  // Each service connects as its own NATS user, the agent as its site's, each held to its
  // grant as in production; NATS and the gateway speak TLS only, with a CA made for the test.
  const nats = await startNats({ sites: [site], users: options.natsUsers ?? [], tls: true });
  const tls = nats.ca;
  if (!tls) throw new Error('startCairnStack: the test NATS has no CA');
  const database = await createTestDatabase();
  // The portal's ports are chosen first: the IdP must know their redirect URIs.
  const portalOrigins = options.portal ? [`https://127.0.0.1:${await freePort()}`, `https://127.0.0.1:${await freePort()}`] : [];
  if (options.portal) requirePortalBundle();
  const idp = await startDevIdp({ accessTokenTtl: 3600, portalRedirectUris: portalOrigins.map((o) => `${o}/auth/callback`) });
  const portalEnv = (origin: string | undefined): Record<string, string> =>
    origin === undefined ? {} : { CAIRN_PORTAL_ADDRESS: new URL(origin).host, CAIRN_PORTAL_PUBLIC_URL: origin, CAIRN_PORTAL_DIR: PORTAL_BUNDLE_DIR };
  const identityConfig = writeIdentityConfig(dir, idp, options.jwksRefetchSeconds ?? 30);
  const grpcAddress = `127.0.0.1:${await freePort()}`;
  const common = { CAIRN_DATA_DIR: join(dir, 'data'), CAIRN_LOG_LEVEL: 'debug' };
  const userOf = (app: StackService) => (app === 'agent' ? nats.agent(site) : nats.users[app]);
  const make = (app: StackService, extra: Record<string, string>, healthSubject = subjects.health(app)) =>
    new ServiceProcess({
      app,
      env: { ...common, ...nats.envFor(userOf(app)), ...extra },
      healthSubject,
      nats: nats.connectOptionsFor(nats.users.monitor),
      logFile: join(dir, `${app}.log`),
    });
  const services = {
    scheduler: make('scheduler', { CAIRN_DATABASE_URL: database.url, CAIRN_SITES: site, CAIRN_DISPATCH_INTERVAL_MS: '500', CAIRN_ENGINE_INTERVAL_MS: '500' }),
    // Resolution caches in its own schema of the stack's database (ADR 0015).
    images: make('images', { CAIRN_DATABASE_URL: database.url, ...devRegistryEnv(env), ...options.imagesEnv }),
    // The provenance graph, in its own schema of the stack's database (docs/provenance.md).
    provenance: make('provenance', { CAIRN_DATABASE_URL: database.url }),
    agent: make(
      'agent',
      {
        CAIRN_SITE: site,
        CAIRN_AGENT_WORK_DIR: join(dir, 'agent'),
        CAIRN_AGENT_JOB_USER: env.jobUser,
        CAIRN_CHARLIECLOUD_IMAGE_FORM: env.charliecloudImageForm,
        CAIRN_POLL_INTERVAL_MS: '500',
        // Back-off to 1 s at most: tests wait on final states.
        CAIRN_POLL_MAX_INTERVAL_MS: '1000',
        // The agent pulls from the same registries with the same credentials (skopeo --src-authfile).
        CAIRN_INSECURE_REGISTRIES: devRegistryEnv(env).CAIRN_INSECURE_REGISTRIES ?? env.registry,
        ...(env.registryAuthFile ? { CAIRN_REGISTRY_AUTH_FILE: env.registryAuthFile } : {}),
        CAIRN_SLURM_PARTITION: env.partition,
        ...options.agentEnv,
      },
      subjects.site(site).health,
    ),
    gateway: make('gateway', { CAIRN_GRPC_ADDRESS: grpcAddress, CAIRN_DEFAULT_SITE: site, CAIRN_TLS_CERT_FILE: tls.serverCert, CAIRN_TLS_KEY_FILE: tls.serverKey, CAIRN_IDENTITY_CONFIG: identityConfig, ...portalEnv(portalOrigins[0]), ...options.gatewayEnv }),
  };
  await Promise.all(Object.values(services).map((s) => s.start()));
  const ca = readFileSync(tls.file);
  if (portalOrigins[0] !== undefined) await waitForPortal(portalOrigins[0], ca);
  let extra: ExtraGateway | undefined;
  const startExtraGateway = async (extraEnv: Record<string, string> = {}): Promise<ExtraGateway> => {
    if (extra) throw new Error('startExtraGateway: one extra gateway per stack');
    const origin = portalOrigins[1];
    if (origin === undefined) throw new Error('startExtraGateway: start the stack with { portal: true }');
    const address = `127.0.0.1:${await freePort()}`;
    const gateway = services.gateway.spec;
    const gatewayProcess = new ServiceProcess({
      ...gateway,
      env: { ...gateway.env, CAIRN_DATA_DIR: join(dir, 'data-extra'), CAIRN_GRPC_ADDRESS: address, ...portalEnv(origin), ...extraEnv },
      logFile: join(dir, 'gateway-extra.log'),
    });
    await gatewayProcess.start();
    await waitForPortal(origin, ca);
    const started: ExtraGateway = { grpcAddress: address, portalUrl: origin, process: gatewayProcess, stop: async () => void (await gatewayProcess.kill('SIGTERM')) };
    extra = started;
    return started;
  };
  const tokens = { alice: '', bob: '', carol: '' };
  for (const person of ['alice', 'bob', 'carol'] as const) tokens[person] = (await idp.deviceLogin(person)).accessToken;
  const clientOptions = (person: DevIdpUsername = 'alice'): ClientOptions => ({ ca, token: tokens[person] });
  const clients = { alice: new JobsClient(grpcAddress, clientOptions('alice')), bob: new JobsClient(grpcAddress, clientOptions('bob')), carol: new JobsClient(grpcAddress, clientOptions('carol')) };
  const client = clients.alice;
  return {
    site,
    dir,
    grpcAddress,
    ca,
    nats,
    database,
    services,
    idp,
    tokens,
    clients,
    clientOptions,
    client,
    ...(portalOrigins[0] === undefined ? {} : { portalUrl: portalOrigins[0] }),
    startExtraGateway,
    stop: async () => {
      for (const each of Object.values(clients)) each.close();
      // Every step runs even when one fails: a part left running keeps Jest from exiting.
      const failures = await settleInOrder([
        () => Promise.all([...Object.values(services), ...(extra ? [extra.process] : [])].map((s) => s.kill('SIGTERM'))),
        // Every service's real code path must work with its own grant: a refused publish is
        // silent for the client, so the server's log is the proof.
        () => {
          const violations = nats.violations([...Object.values(nats.users), nats.agent(site)]);
          if (violations.length > 0) throw new Error(`NATS refused Cairn's own services (a grant in libs/contracts/src/nats-permissions.ts is missing):\n${violations.join('\n')}`);
        },
        () => nats.stop(),
        () => database.drop(),
        () => idp.stop(),
        // The agent's converted images (a few hundred MB a stack, made again by the next one):
        // logs and job records stay in `dir` for reading after a failed test.
        () => rm(join(dir, 'agent', 'images'), { recursive: true, force: true }),
      ]);
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) throw new AggregateError(failures, `stopping the stack failed ${failures.length} times: ${failures.map((f) => (f as Error).message).join('; ')}`);
    },
  };
}

/** Runs each step after the one before, whatever it did; returns what they threw, in order. */
async function settleInOrder(steps: readonly (() => unknown)[]): Promise<unknown[]> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  return failures;
}
