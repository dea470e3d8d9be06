import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { Client } from 'pg';
import { CairnError, evictImageReply, type ImageEvent, listImagesReply, materializeImageReply, type Principal, type ResolvedImage, resolvedImageSchema, streams, subjects } from '@cairn/contracts';
import { NatsRequester } from '@cairn/adapters/nats';
import { createTestDatabase, freePort, pushFreshImage, ServiceProcess, startNats, testEnv, type TestDatabase, type TestNats, waitFor } from '@cairn/testing';
import { ociArchitecture } from '../src/site-platforms';
import { type CountingProxy, startCountingProxy } from './counting-proxy';

const env = testEnv();
/** The site whose agent runs in this suite; the open dev registry is allowed only there. */
const SITE = 'hpc1';
/** Its catalogue quota: one byte, so each materialisation evicts every other image it may. */
const QUOTA = 1;
const person = (subject: string, roles: Principal['roles']): Principal => ({ issuer: 'http://127.0.0.1:5556', subject, name: subject, posixUser: subject, accounts: [], roles, projects: [] });
const ALICE = person('alice', ['user']);
const ADMIN = person('carol', ['user', 'admin']);

/** The CairnError a request is refused with; fails when it is answered. */
async function refusal(answer: Promise<unknown>): Promise<CairnError> {
  const error: unknown = await answer.then(
    (value) => {
      throw new Error(`expected a refusal, got ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
  if (!(error instanceof CairnError)) throw error;
  return error;
}

/** The digest the real registry gives for a tag (a manifest HEAD straight to it). */
async function registryDigest(repository: string, tag: string): Promise<string> {
  const answer = await fetch(`http://${env.registry}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
  });
  return answer.headers.get('docker-content-digest') ?? '';
}

/** The digest of an image index as the real registry serves it. */
async function registryIndexDigest(repositoryAndTag: string): Promise<string> {
  const [repository, tag] = repositoryAndTag.split(':');
  const answer = await fetch(`http://${env.registry}/v2/${repository ?? ''}/manifests/${tag ?? ''}`, {
    method: 'HEAD',
    headers: { Accept: 'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json' },
  });
  return answer.headers.get('docker-content-digest') ?? '';
}

describe('the images service [real: images process, nats-server, PostgreSQL, the dev registry behind a counting proxy]', () => {
  let nats: TestNats;
  let database: TestDatabase;
  let pg: Client;
  let proxy: CountingProxy;
  let closed: string;
  let dir: string;
  let service: ServiceProcess;
  let agent: ServiceProcess;
  let gateway: NatsConnection;
  let asGateway: NatsRequester;
  let scheduler: NatsConnection;
  let requester: NatsRequester;
  const resolve = (reference: string, site?: string) => requester.request(subjects.images.resolve, { reference, ...(site ? { site } : {}) }, resolvedImageSchema, 30_000);

  beforeAll(async () => {
    nats = await startNats({ sites: [SITE] });
    database = await createTestDatabase();
    pg = new Client({ connectionString: database.url });
    await pg.connect();
    proxy = await startCountingProxy(env.registry);
    closed = `127.0.0.1:${await freePort()}`;
    dir = mkdtempSync(join(tmpdir(), 'images-int-'));
    service = new ServiceProcess({
      app: 'images',
      env: {
        ...nats.envFor(nats.users.images),
        CAIRN_DATABASE_URL: database.url,
        CAIRN_DATA_DIR: dir,
        CAIRN_REGISTRY: proxy.host,
        CAIRN_INSECURE_REGISTRIES: [proxy.host, closed, env.registry, env.basicRegistry, env.tokenRegistry].join(','),
        // The proxy, the closed port and the auth registries for every site; the open dev registry itself only at hpc1.
        CAIRN_REGISTRY_ALLOW: `${proxy.host},${closed},${env.basicRegistry},${env.tokenRegistry},hpc1=${env.registry}`,
        ...(env.registryAuthFile ? { CAIRN_REGISTRY_AUTH_FILE: env.registryAuthFile } : {}),
        CAIRN_REGISTRY_TIMEOUT_MS: '5000',
        CAIRN_IMAGE_SITE_QUOTAS: `${SITE}=${QUOTA}`,
        CAIRN_LOG_LEVEL: 'debug',
      },
      healthSubject: subjects.health('images'),
      nats: nats.connectOptionsFor(nats.users.monitor),
      logFile: join(dir, 'images.log'),
    });
    // The site's real agent (Charliecloud: skopeo, umoci, mksquashfs), as the stack runs it.
    chmodSync(dir, 0o711);
    agent = new ServiceProcess({
      app: 'agent',
      env: {
        ...nats.envFor(nats.agent(SITE)),
        CAIRN_DATA_DIR: join(dir, 'agent-data'),
        CAIRN_SITE: SITE,
        CAIRN_AGENT_WORK_DIR: join(dir, 'agent'),
        CAIRN_AGENT_JOB_USER: env.jobUser,
        CAIRN_INSECURE_REGISTRIES: [env.registry, env.basicRegistry, env.tokenRegistry].join(','),
        CAIRN_SLURM_PARTITION: env.partition,
        CAIRN_LOG_LEVEL: 'debug',
      },
      healthSubject: subjects.site(SITE).health,
      nats: nats.connectOptionsFor(nats.users.monitor),
      logFile: join(dir, 'agent.log'),
    });
    await Promise.all([service.start(), agent.start()]);
    scheduler = await connect(nats.connectOptionsFor(nats.users.scheduler));
    requester = new NatsRequester(scheduler);
    gateway = await connect(nats.connectOptionsFor(nats.users.gateway));
    asGateway = new NatsRequester(gateway);
  });

  afterAll(async () => {
    await scheduler?.close();
    await gateway?.close();
    await agent?.kill();
    await service?.kill();
    await proxy?.close();
    await pg?.end();
    await database?.drop();
    await nats?.stop();
    // The agent's images (SquashFS files) and both services' data.
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('pins a tag to the registry\'s digest; a second resolution inside the TTL makes no registry request and says cached', async () => {
    const first = await resolve('lab/busybox:1.36');
    expect(first).toMatchObject({ reference: 'lab/busybox:1.36', pinned: `${proxy.host}/lab/busybox@${await registryDigest('lab/busybox', '1.36')}`, canonical: `${proxy.host}/lab/busybox:1.36`, cached: false });
    const asked = proxy.manifestRequests();
    expect(asked).toBeGreaterThan(0);
    const second = await resolve(`docker://${proxy.host}/lab/busybox:1.36`);
    expect(second).toMatchObject({ pinned: first.pinned, digest: first.digest, resolvedAt: first.resolvedAt, cached: true });
    const byDigest = await resolve(`lab/busybox@${first.digest}`);
    expect(byDigest).toMatchObject({ pinned: first.pinned, cached: true });
    expect(proxy.manifestRequests()).toBe(asked);
    const rows = await pg.query<{ tag: string; digest: string }>('SELECT tag, digest FROM images.image_tags WHERE repository = $1', ['lab/busybox']);
    expect(rows.rows).toEqual([{ tag: '1.36', digest: first.digest }]);
  });

  it('a restarted service still answers from the cache (PostgreSQL), without the registry', async () => {
    const before = await resolve('lab/busybox:1.36');
    const asked = proxy.manifestRequests();
    await service.kill();
    await service.start();
    const after = await resolve('lab/busybox:1.36');
    expect(after).toMatchObject({ pinned: before.pinned, resolvedAt: before.resolvedAt, cached: true });
    expect(proxy.manifestRequests()).toBe(asked);
  });

  it('a registry that refuses connections is UNAVAILABLE naming it', async () => {
    const error = await refusal(resolve(`${closed}/lab/busybox:1.36`));
    expect(error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining(closed) });
  });

  it('a registry not allowed at the site is PERMISSION_DENIED naming the registry and the site, before any request', async () => {
    const asked = proxy.requests.length;
    const error = await refusal(resolve('127.0.0.1:1/lab/busybox:1.36', 'hpc1'));
    expect(error).toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining('registry 127.0.0.1:1 is not allowed at site hpc1') });
    const elsewhere = await refusal(resolve(`${env.registry}/lab/busybox:1.36`, 'hpc2'));
    expect(elsewhere).toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining('at site hpc2') });
    expect(proxy.requests.length).toBe(asked);
  });

  it('records each resolution in CAIRN_IMAGE_EVENTS with its facts', async () => {
    const resolved = await resolve('lab/busybox:1.36');
    const tester = await connect(nats.connectOptionsFor(nats.tester));
    try {
      const jsm = await tester.jetstreamManager();
      const event = await waitFor('the image event', async () => {
        const message = await jsm.streams.getMessage(streams.imageEvents.name, { last_by_subj: subjects.images.resolved }).catch(() => undefined);
        return message?.json<ImageEvent>();
      });
      expect(event).toMatchObject({ imageRef: resolved.pinned, digest: resolved.digest, registry: proxy.host, canonical: `${proxy.host}/lab/busybox:1.36`, platform: `linux/${ociArchitecture(process.arch)}`, size: resolved.size });
    } finally {
      await tester.close();
    }
  });

  it('an image index resolves to the manifest of the platform (the host\'s without a site), the index digest kept as a fact', async () => {
    const [, repositoryAndTag] = env.multiarchImage.split(/\/(.*)/s);
    const index = await registryIndexDigest(repositoryAndTag ?? '');
    const resolved = await resolve(`${proxy.host}/${repositoryAndTag ?? ''}`);
    expect(resolved).toMatchObject({ indexDigest: index, platform: { os: 'linux', architecture: ociArchitecture(process.arch) }, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
    expect(resolved.digest).not.toBe(index);
    const asked = proxy.manifestRequests();
    expect(await resolve(`${proxy.host}/${(repositoryAndTag ?? '').replace(/:.*$/, '')}@${index}`)).toMatchObject({ digest: resolved.digest, cached: true });
    expect(proxy.manifestRequests()).toBe(asked);
  });

  it('registries with basic and token auth resolve with the credentials of the auth file', async () => {
    expect(env.registryAuthFile).toBeDefined();
    const basic = await resolve(`${env.basicRegistry}/lab/busybox:1.36`);
    const token = await resolve(`${env.tokenRegistry}/lab/busybox:1.36`);
    expect(basic.pinned).toMatch(new RegExp(`^${env.basicRegistry.replace(/\./g, '\\.')}/lab/busybox@sha256:[a-f0-9]{64}$`));
    expect(token.pinned).toMatch(new RegExp(`^${env.tokenRegistry.replace(/\./g, '\\.')}/lab/busybox@sha256:[a-f0-9]{64}$`));
  });

  it('a site whose agent does not answer is UNAVAILABLE naming the site', async () => {
    const error = await refusal(resolve('lab/busybox:1.36', 'nosuch'));
    expect(error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('site nosuch') });
  });

  it('a missing tag is NOT_FOUND, and a malformed reference INVALID_ARGUMENT before any request', async () => {
    expect(await refusal(resolve('lab/busybox:no-such-tag'))).toMatchObject({ code: 'NOT_FOUND' });
    const asked = proxy.requests.length;
    expect(await refusal(resolve('lab/Busy Box:1'))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(proxy.requests.length).toBe(asked);
  });
  describe('the site catalogue through the real agent', () => {
    const materialize = (image: ResolvedImage) => asGateway.request(subjects.images.materialize, { site: SITE, image }, materializeImageReply, 600_000);
    const list = (caller: Principal) => asGateway.request(subjects.images.list, { site: SITE, caller }, listImagesReply, 30_000);
    const evict = (digest: string, caller: Principal) => asGateway.request(subjects.images.evict, { site: SITE, digest, caller }, evictImageReply, 30_000);

    it('resolves for the site with the platform its agent reports', async () => {
      const resolved = await resolve(`${env.registry}/lab/busybox:1.36`, SITE);
      expect(resolved.platform).toEqual({ os: 'linux', architecture: ociArchitecture(process.arch) });
    });

    it('materialises, lists, keeps the site within its quota (least recently used first, never the new one) and evicts for admins only', async () => {
      const first = await pushFreshImage({ registry: env.registry, repository: 'lab/images-int', tag: 'a' });
      const second = await pushFreshImage({ registry: env.registry, repository: 'lab/images-int', tag: 'b' });
      const a = await materialize(await resolve(first.reference, SITE));
      expect(a).toMatchObject({ site: SITE, image: { digest: first.digest, pinned: first.pinned, inUse: false, conversions: 1 } });
      const b = await materialize(await resolve(second.reference, SITE));
      expect(b.image.digest).toBe(second.digest);
      // Over a quota of one byte: the first went before the reply, the one just materialised stays.
      const listed = await list(ALICE);
      expect(listed.images.map((image) => image.digest)).not.toContain(first.digest);
      expect(listed).toMatchObject({ site: SITE, quotaBytes: QUOTA, runtime: 'charliecloud', platform: { os: 'linux' } });
      expect(listed.images.map((image) => image.digest)).toContain(second.digest);
      expect(await refusal(evict(second.digest, ALICE))).toMatchObject({ code: 'PERMISSION_DENIED' });
      expect(await refusal(evict(first.digest, ADMIN))).toMatchObject({ code: 'NOT_FOUND' });
      const freed = await evict(second.digest, ADMIN);
      expect(freed.freedBytes).toBeGreaterThan(0);
      expect((await list(ADMIN)).images.map((image) => image.digest)).not.toContain(second.digest);
    });
  });
});
