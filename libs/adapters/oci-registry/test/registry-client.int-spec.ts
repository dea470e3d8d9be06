import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CairnError, parseImageReference } from '@cairn/contracts';
import { freePort, pushFreshImage, tamperBlob, testEnv } from '@cairn/testing';
import { loadRegistryCredentials, MEDIA_TYPES, OciRegistryRepository, RegistryClient } from '../src';

const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64' };
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** The CairnError a promise rejected with (fails if it resolved or threw anything else). */
async function refusal(promise: Promise<unknown>): Promise<CairnError> {
  const error: unknown = await promise.then(
    (value) => new Error(`resolved: ${JSON.stringify(value)}`),
    (e: unknown) => e,
  );
  if (!(error instanceof CairnError)) throw error;
  return error;
}

async function manifestBytes(registry: string, path: string, accept: string): Promise<Buffer> {
  const response = await fetch(`http://${registry}/v2/${path}`, { headers: { Accept: accept } });
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

describe('RegistryClient [real: OCI registries (distribution 2.8): open, basic auth, token auth]', () => {
  const env = testEnv();
  const { registry, basicRegistry, tokenRegistry } = env;
  const insecureRegistries = [registry, basicRegistry, tokenRegistry];
  const credentials = loadRegistryCredentials(env.registryAuthFile);
  const client = new RegistryClient({ insecureRegistries, credentials, unqualifiedRegistry: registry });
  const anonymous = new RegistryClient({ insecureRegistries, unqualifiedRegistry: registry });

  it('resolves a tag to the sha256 of the manifest bytes, with the config and layers it lists', async () => {
    const facts = await client.resolve(`${registry}/lab/busybox:1.36`, AMD64);

    const bytes = await manifestBytes(registry, 'lab/busybox/manifests/1.36', MEDIA_TYPES.ociManifest);
    const manifest = JSON.parse(bytes.toString('utf8')) as { config: { digest: string; size: number }; layers: { digest: string; size: number; mediaType: string }[] };
    expect(facts).toEqual({
      digest: sha256(bytes),
      mediaType: MEDIA_TYPES.ociManifest,
      size: manifest.config.size + manifest.layers.reduce((sum, l) => sum + l.size, 0),
      configDigest: manifest.config.digest,
      platform: AMD64,
      layers: manifest.layers.map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType })),
    });
  });

  it('gives the same facts for the digest, an unqualified name, docker:// and a parsed reference', async () => {
    const byTag = await client.resolve(`${registry}/lab/busybox:1.36`, AMD64);
    expect(await client.resolve(`lab/busybox@${byTag.digest}`, AMD64)).toEqual(byTag);
    expect(await client.resolve('docker://lab/busybox:1.36', AMD64)).toEqual(byTag);
    expect(await client.resolve(parseImageReference('lab/busybox:1.36', { unqualifiedRegistry: registry }), AMD64)).toEqual(byTag);
    const legacy = await new OciRegistryRepository({ defaultRegistry: registry, insecureRegistries, platform: AMD64 }).resolve('lab/busybox:1.36');
    expect(legacy).toEqual({ reference: 'lab/busybox:1.36', pinned: `${registry}/lab/busybox@${byTag.digest}`, digest: byTag.digest });
  });

  it("resolves a multi-platform index to each platform's own manifest and records the index digest", async () => {
    const index = await manifestBytes(registry, `${parseImageReference(env.multiarchImage, { unqualifiedRegistry: registry }).repository}/manifests/1`, MEDIA_TYPES.ociIndex);
    const amd = await client.resolve(env.multiarchImage, AMD64);
    const arm = await client.resolve(env.multiarchImage, ARM64);
    const armV8 = await client.resolve(env.multiarchImage, { ...ARM64, variant: 'v8' });

    expect(amd.indexDigest).toBe(sha256(index));
    expect(arm.indexDigest).toBe(sha256(index));
    expect(amd.platform).toEqual(AMD64);
    expect(arm.platform.architecture).toBe('arm64');
    expect(armV8.digest).toBe(arm.digest);
    expect(arm.digest).not.toBe(amd.digest);
    expect(arm.configDigest).not.toBe(amd.configDigest);

    // The index named by its digest resolves the same way.
    const ref = parseImageReference(env.multiarchImage, { unqualifiedRegistry: registry });
    expect(await client.resolve(`${ref.registry}/${ref.repository}@${sha256(index)}`, ARM64)).toEqual(arm);
  });

  it('refuses a platform the index lacks, and a single-platform image asked for another, with NOT_FOUND naming it', async () => {
    const error = await refusal(client.resolve(env.multiarchImage, { os: 'linux', architecture: 'ppc64le' }));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toMatch(/has no manifest for platform linux\/ppc64le \(it has linux\/amd64, linux\/arm64.*\)$/);

    const single = await refusal(client.resolve(`${registry}/lab/busybox:1.36`, ARM64));
    expect(single.code).toBe('NOT_FOUND');
    expect(single.message).toBe(`image ${registry}/lab/busybox:1.36 has no manifest for platform linux/arm64 (it is linux/amd64 only)`);
  });

  it('refuses a missing tag, repository and digest with NOT_FOUND naming each', async () => {
    const tag = `no-such-tag-${randomBytes(4).toString('hex')}`;
    const missingTag = await refusal(client.resolve(`lab/busybox:${tag}`, AMD64));
    expect([missingTag.code, missingTag.message]).toEqual(['NOT_FOUND', `tag "${tag}" not found in repository lab/busybox of registry ${registry}`]);

    const repository = `lab/no-such-repo-${randomBytes(4).toString('hex')}`;
    const missingRepo = await refusal(client.resolve(`${repository}:1`, AMD64));
    expect([missingRepo.code, missingRepo.message]).toEqual(['NOT_FOUND', `repository ${repository} not found in registry ${registry}`]);

    const digest = `sha256:${randomBytes(32).toString('hex')}`;
    const missingDigest = await refusal(client.resolve(`lab/busybox@${digest}`, AMD64));
    expect([missingDigest.code, missingDigest.message]).toEqual(['NOT_FOUND', `digest ${digest} not found in repository lab/busybox of registry ${registry}`]);
  });

  it('refuses a manifest or a config whose bytes do not match their digest (tampered in the registry)', async () => {
    const fresh = await pushFreshImage({ registry, repository: 'lab/h1-tamper', tag: randomBytes(4).toString('hex') });
    expect((await client.resolve(fresh.reference, AMD64)).digest).toBe(fresh.digest);

    const restoreManifest = tamperBlob(env.registryDataDir, fresh.digest);
    try {
      const error = await refusal(client.resolve(fresh.reference, AMD64));
      expect(error.code).toBe('FAILED_PRECONDITION');
      expect(error.message).toMatch(new RegExp(`^registry ${registry} sent a manifest for lab/h1-tamper@\\S+ whose sha256 is sha256:[a-f0-9]{64}, not the ${fresh.digest} it announced \\(tampered or corrupt\\)$`));
    } finally {
      restoreManifest();
    }
    const restoreConfig = tamperBlob(env.registryDataDir, fresh.configDigest);
    try {
      const error = await refusal(client.resolve(fresh.reference, AMD64));
      expect(error.code).toBe('FAILED_PRECONDITION');
      expect(error.message).toContain(`whose content does not match its digest ${fresh.configDigest}`);
    } finally {
      restoreConfig();
    }
  });

  describe('auth', () => {
    let dir: string;
    const WRONG = `wrong-${randomBytes(8).toString('hex')}`;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'cairn-h1-auth-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    function wrongClient(): RegistryClient {
      const path = join(dir, 'wrong.json');
      const auth = Buffer.from(`cairn:${WRONG}`).toString('base64');
      writeFileSync(path, JSON.stringify({ auths: { [basicRegistry]: { auth }, [tokenRegistry]: { auth } } }));
      chmodSync(path, 0o600);
      return new RegistryClient({ insecureRegistries, credentials: loadRegistryCredentials(path) });
    }

    it.each([
      ['basic', () => basicRegistry],
      ['token', () => tokenRegistry],
    ])('a %s-auth registry answers with the configured credentials and refuses without or with wrong ones', async (_kind, host) => {
      const reference = `${host()}/lab/busybox:1.36`;
      const open = await client.resolve(`${registry}/lab/busybox:1.36`, AMD64);
      const first = await client.resolve(reference, AMD64);
      expect(first.digest).toBe(open.digest);
      // Again: the cached token (or Basic authorization) is used and still works.
      expect(await client.resolve(reference, AMD64)).toEqual(first);

      const none = await refusal(anonymous.resolve(reference, AMD64));
      expect(none.code).toBe('PERMISSION_DENIED');
      expect(none.message).toContain(`registry ${host()}`);
      expect(none.message).toContain('no credentials are configured');

      const wrong = await refusal(wrongClient().resolve(reference, AMD64));
      expect(wrong.code).toBe('PERMISSION_DENIED');
      expect(wrong.message).toContain('refused the configured credentials (user "cairn")');
      expect(wrong.message).not.toContain(WRONG);
      expect(wrong.message).not.toContain(Buffer.from(`cairn:${WRONG}`).toString('base64'));
    });
  });

  describe('a registry that is down', () => {
    let blackHole: Server;
    const sockets = new Set<Socket>();
    let blackHolePort: number;
    beforeAll(async () => {
      // Accepts connections and never answers.
      blackHole = createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
      const address = blackHole.address();
      blackHolePort = typeof address === 'object' && address ? address.port : 0;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => blackHole.close(() => resolve()));
    });

    it('gives UNAVAILABLE naming the registry when nothing listens on its port', async () => {
      const closed = `127.0.0.1:${await freePort()}`;
      const error = await refusal(new RegistryClient({ insecureRegistries: [closed] }).resolve(`${closed}/lab/busybox:1.36`, AMD64));
      expect([error.code, error.message]).toEqual(['UNAVAILABLE', `registry ${closed} cannot be reached: ECONNREFUSED`]);
    });

    it('gives UNAVAILABLE after the timeout when the registry accepts and never answers', async () => {
      const hole = `127.0.0.1:${blackHolePort}`;
      const error = await refusal(new RegistryClient({ insecureRegistries: [hole], timeoutMs: 300 }).resolve(`${hole}/lab/busybox:1.36`, AMD64));
      expect([error.code, error.message]).toEqual(['UNAVAILABLE', `registry ${hole} did not answer within 300 ms`]);
      expect(sockets.size).toBeGreaterThan(0);
    });

    it('speaks TLS to a registry not listed as insecure, so a plain-HTTP registry is UNAVAILABLE', async () => {
      const error = await refusal(new RegistryClient({ insecureRegistries: [], timeoutMs: 5_000 }).resolve(`${registry}/lab/busybox:1.36`, AMD64));
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.message).toMatch(new RegExp(`^registry ${registry} cannot be reached: `));
    });
  });
});
