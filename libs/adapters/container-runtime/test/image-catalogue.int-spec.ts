import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CairnError, type ImageProgressMessage } from '@cairn/contracts';
import { ProcessRepository } from '@cairn/adapters/process';
import { errorCode, pushFreshImage, RecordingProcessRepository, tamperBlob, testEnv } from '@cairn/testing';
import { type CharliecloudImageForm, CharliecloudRuntime, ImageCatalogue, ImageMaterializer, type RegistryAccess } from '../src';

/**
 * The one pull path and the site catalogue, for real: skopeo from the dev registries (open,
 * token-auth), every blob verified, umoci + mksquashfs, the SquashFS run with ch-run.
 */
describe('ImageCatalogue [real: OCI registries (open, token auth), skopeo, umoci, mksquashfs, ch-run]', () => {
  const env = testEnv();
  const insecureRegistries = [env.registry, env.basicRegistry, env.tokenRegistry];
  const processes = new ProcessRepository();
  let root: string;

  const open = async (access: RegistryAccess = { insecureRegistries }, repo: ProcessRepository = processes, onProgress?: (m: ImageProgressMessage) => void, form: CharliecloudImageForm = 'squashfs') => {
    const dir = mkdtempSync(join(root, 'images-'));
    const runtime = new CharliecloudRuntime(repo, form);
    const catalogue = await ImageCatalogue.open({ dir, runtime: 'charliecloud', materializer: new ImageMaterializer(repo, runtime.converter, access), ...(onProgress ? { onProgress } : {}) });
    return { dir, catalogue, runtime };
  };
  /** A busybox image no other test has: a new digest, so a cold conversion. */
  const fresh = (registry = env.registry, authFile?: string) =>
    pushFreshImage({ registry, repository: `lab/h4-catalogue-${randomBytes(4).toString('hex')}`, tag: '1', ...(authFile ? { authFile } : {}) });

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'cairn-catalogue-int-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('materialises busybox into <hex>.v2.sqfs, reporting each phase and the bytes pulled, and the image runs', async () => {
    const image = await fresh();
    const heard: ImageProgressMessage[] = [];
    const { dir, catalogue, runtime } = await open({ insecureRegistries }, processes, (m) => heard.push(m));

    const startedAt = Date.now();
    const { record, path } = await catalogue.materialize(image.pinned, image.digest, { runId: randomUUID() });
    process.stdout.write(`busybox cold materialisation: ${Date.now() - startedAt} ms\n`);

    const hex = image.digest.slice('sha256:'.length);
    expect(path).toBe(join(dir, `${hex}.v2.sqfs`));
    expect(readdirSync(dir).sort()).toEqual([`${hex}.v2.sqfs`, 'catalogue.json'].sort());
    expect(readFileSync(path).subarray(0, 4).toString('latin1')).toBe('hsqs');
    expect(record).toMatchObject({ digest: image.digest, pinned: image.pinned, runtime: 'charliecloud', conversions: 1, inUse: false });
    expect([...new Set(heard.map((m) => m.phase))]).toEqual(['pulling', 'verifying', 'unpacking', 'converting', 'ready']);
    const pulled = heard.filter((m) => m.phase === 'pulling').at(-1);
    expect(pulled?.bytesTotal).toBeGreaterThan(0);
    expect(pulled?.bytesDone).toBe(pulled?.bytesTotal);

    const plan = runtime.launch({ image: { path, digest: image.digest }, command: ['/bin/cat', '/cairn-fixture-marker'], env: {}, scratchDir: root });
    const [program, ...args] = plan.argv;
    const ran = await processes.check(program ?? '', args, { env: { ...process.env, USER: 'root' }, timeoutMs: 60_000 });
    expect(ran.stdout.length).toBeGreaterThan(0);
  });

  it('materialises busybox in the directory form into <hex>.v2.dir: unpacked once (no mksquashfs), sealed, its files counted, and it runs', async () => {
    const image = await fresh();
    const heard: ImageProgressMessage[] = [];
    const recorder = new RecordingProcessRepository();
    const { dir, catalogue, runtime } = await open({ insecureRegistries }, recorder, (m) => heard.push(m), 'directory');

    const results = await Promise.all(Array.from({ length: 5 }, () => catalogue.materialize(image.pinned, image.digest, { runId: randomUUID() })));

    const hex = image.digest.slice('sha256:'.length);
    const path = join(dir, `${hex}.v2.dir`);
    expect(new Set(results.map((r) => r.path))).toEqual(new Set([path]));
    expect(readdirSync(dir).sort()).toEqual([`${hex}.v2.dir`, 'catalogue.json'].sort());
    expect(recorder.started.sort()).toEqual(['skopeo', 'skopeo', 'umoci']);
    expect([...new Set(heard.map((m) => m.phase))]).toEqual(['pulling', 'verifying', 'unpacking', 'converting', 'ready']);
    expect(statSync(path).mode & 0o7777).toBe(0o755);
    expect(statSync(join(path, 'tmp')).mode & 0o7777).toBe(0o755);
    // busybox is one ~1 MB program and a few small files.
    expect(catalogue.recordOf(image.digest)?.size).toBeGreaterThan(500_000);
    expect(catalogue.list().usedBytes).toBe(catalogue.recordOf(image.digest)?.size);

    const plan = runtime.launch({ image: { path, digest: image.digest }, command: ['/bin/cat', '/cairn-fixture-marker'], env: {}, scratchDir: root });
    const [program, ...args] = plan.argv;
    const ran = await processes.check(program ?? '', args, { env: { ...process.env, USER: 'root' }, timeoutMs: 60_000 });
    expect(ran.stdout.length).toBeGreaterThan(0);

    const size = catalogue.list().usedBytes;
    await expect(catalogue.evict(image.digest)).resolves.toEqual({ freedBytes: size });
    expect(readdirSync(dir)).toEqual(['catalogue.json']);
  });

  it('converts once for 20 concurrent requests of a new image; all get it; the catalogue says 1 conversion', async () => {
    const image = await fresh();
    const recorder = new RecordingProcessRepository();
    const { catalogue } = await open({ insecureRegistries }, recorder);

    const results = await Promise.all(Array.from({ length: 20 }, () => catalogue.materialize(image.pinned, image.digest, { runId: randomUUID() })));

    expect(new Set(results.map((r) => r.path)).size).toBe(1);
    expect(recorder.started.sort()).toEqual(['mksquashfs', 'skopeo', 'skopeo', 'umoci']);
    expect(catalogue.recordOf(image.digest)).toMatchObject({ conversions: 1 });
    expect(catalogue.recordOf(image.digest)?.runIds).toHaveLength(20);
  });

  it('refuses an image one of whose blobs was tampered with in the registry, naming it, and keeps nothing', async () => {
    const image = await fresh();
    const restore = tamperBlob(env.registryDataDir, image.markerLayerDigest);
    try {
      const { dir, catalogue } = await open();
      const refusal = await catalogue.materialize(image.pinned, image.digest).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(CairnError);
      expect(refusal).toMatchObject({ code: 'FAILED_PRECONDITION' });
      expect((refusal as CairnError).message).toMatch(new RegExp(`image refused: blob ${image.markerLayerDigest} of ${image.pinned} does not match its digest`));
      expect(catalogue.list()).toEqual({ images: [], usedBytes: 0, converting: [] });
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      restore();
    }
  });

  it('pulls from the token-auth registry with the auth file, and is refused without it', async () => {
    const authFile = env.registryAuthFile;
    if (!authFile) throw new Error('the dev cluster has no registry auth file (CAIRN_DEV_REGISTRY_AUTH_FILE)');
    const image = await fresh(env.tokenRegistry, authFile);

    const without = await open({ insecureRegistries });
    expect(await errorCode(without.catalogue.materialize(image.pinned, image.digest))).toBe('PERMISSION_DENIED');
    expect(readdirSync(without.dir)).toEqual([]);

    const withFile = await open({ insecureRegistries, authFile });
    await expect(withFile.catalogue.materialize(image.pinned, image.digest)).resolves.toMatchObject({ record: { digest: image.digest, conversions: 1 } });
  });

  it('says NOT_FOUND for a digest the registry does not hold, and keeps nothing', async () => {
    const { dir, catalogue } = await open();
    const missing = `sha256:${randomBytes(32).toString('hex')}`;
    expect(await errorCode(catalogue.materialize(`${env.registry}/lab/busybox@${missing}`, missing))).toBe('NOT_FOUND');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses to evict an image an attempt uses, and evicts it when none does', async () => {
    const image = await fresh();
    const used = new Set([image.digest]);
    const dir = mkdtempSync(join(root, 'images-'));
    const runtime = new CharliecloudRuntime(processes);
    const catalogue = await ImageCatalogue.open({ dir, runtime: 'charliecloud', materializer: new ImageMaterializer(processes, runtime.converter, { insecureRegistries }), inUse: (d) => used.has(d) });
    const { record } = await catalogue.materialize(image.pinned, image.digest);

    expect(await errorCode(catalogue.evict(image.digest))).toBe('FAILED_PRECONDITION');
    expect(readdirSync(dir)).toHaveLength(2);
    used.clear();
    await expect(catalogue.evict(image.digest)).resolves.toEqual({ freedBytes: record.size });
    expect(readdirSync(dir)).toEqual(['catalogue.json']);
  });
});
