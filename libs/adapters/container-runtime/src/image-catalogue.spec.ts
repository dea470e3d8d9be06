import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CairnError, type ImageProgressMessage, MAX_IMAGE_RUN_IDS } from '@cairn/contracts';
import { errorCode } from '@cairn/testing';
import { CATALOGUE_FILE, ImageCatalogue, type Materializer } from './image-catalogue';
import type { ImageProgress } from './image-materializer';

const hex = (n: number) => n.toString(16).padStart(64, '0');
const digestOf = (n: number) => `sha256:${hex(n)}`;
const pinnedOf = (n: number) => `127.0.0.1:5000/lab/test@${digestOf(n)}`;

/** Converts by really writing a file of `size` bytes in the work directory, after a pause; counts its runs. */
class WritingMaterializer implements Materializer {
  readonly converter = { suffix: '.v2.sqfs' };
  runs = 0;
  failNext?: Error;
  release?: () => void;
  constructor(private readonly size = 1000) {}

  async materialize(_pinned: string, digest: string, workDir: string, onProgress: (progress: ImageProgress) => void): Promise<string> {
    this.runs += 1;
    onProgress({ phase: 'pulling', bytesDone: 0, bytesTotal: this.size });
    mkdirSync(join(workDir, 'layout'));
    writeFileSync(join(workDir, 'layout', 'partial'), 'x');
    if (this.release === undefined) await sleep(50);
    else await new Promise<void>((resolve) => (this.release = resolve));
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) throw failure;
    onProgress({ phase: 'converting', bytesDone: this.size, bytesTotal: this.size });
    const file = join(workDir, 'image.sqfs');
    writeFileSync(file, Buffer.alloc(this.size, digest.charCodeAt(8)));
    return file;
  }
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cairn-catalogue-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function openCatalogue(options: { dir?: string; materializer?: Materializer; inUse?: (digest: string) => boolean; onProgress?: (m: ImageProgressMessage) => void } = {}) {
  const dir = options.dir ?? mkdtempSync(join(root, 'images-'));
  const materializer = options.materializer ?? new WritingMaterializer();
  const catalogue = await ImageCatalogue.open({ dir, runtime: 'charliecloud', materializer, ...(options.inUse ? { inUse: options.inUse } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  return { dir, catalogue, materializer };
}

const stored = (dir: string) => JSON.parse(readFileSync(join(dir, CATALOGUE_FILE), 'utf8')) as { images: { digest: string; runIds: string[] }[]; conversions: Record<string, number> };

describe('ImageCatalogue.materialize', () => {
  it('converts once for 20 concurrent requests of one digest; every one gets the file; each run recorded', async () => {
    const materializer = new WritingMaterializer(4096);
    const { dir, catalogue } = await openCatalogue({ materializer });
    const runIds = Array.from({ length: 20 }, () => randomUUID());

    const results = await Promise.all(runIds.map((runId) => catalogue.materialize(pinnedOf(1), digestOf(1), { runId })));

    expect(materializer.runs).toBe(1);
    expect(new Set(results.map((r) => r.path))).toEqual(new Set([join(dir, `${hex(1)}.v2.sqfs`)]));
    expect(readdirSync(dir).sort()).toEqual([`${hex(1)}.v2.sqfs`, CATALOGUE_FILE].sort());
    expect(statSync(join(dir, `${hex(1)}.v2.sqfs`)).mode & 0o777).toBe(0o644);
    const record = catalogue.recordOf(digestOf(1));
    expect(record).toMatchObject({ digest: digestOf(1), pinned: pinnedOf(1), size: 4096, runtime: 'charliecloud', conversions: 1, inUse: false });
    expect(new Set(record?.runIds)).toEqual(new Set(runIds));
    expect(stored(dir).conversions).toEqual({ [digestOf(1)]: 1 });
    expect(statSync(join(dir, CATALOGUE_FILE)).mode & 0o777).toBe(0o600);
  });

  it('takes the file already there without converting (a later request, and a file of an earlier agent)', async () => {
    const { dir, catalogue, materializer } = await openCatalogue();
    await catalogue.materialize(pinnedOf(2), digestOf(2));
    await catalogue.materialize(pinnedOf(2), digestOf(2));
    expect((materializer as WritingMaterializer).runs).toBe(1);

    writeFileSync(join(dir, `${hex(3)}.v2.sqfs`), 'an earlier agent converted this');
    const adopted = await catalogue.materialize(pinnedOf(3), digestOf(3));
    expect((materializer as WritingMaterializer).runs).toBe(1);
    expect(adopted.record).toMatchObject({ size: 31, conversions: 0 });
  });

  it('keeps the MAX_IMAGE_RUN_IDS most recent runs, most recent first, each once', async () => {
    const { catalogue } = await openCatalogue();
    const runIds = Array.from({ length: MAX_IMAGE_RUN_IDS + 10 }, () => randomUUID());
    for (const runId of runIds) await catalogue.materialize(pinnedOf(4), digestOf(4), { runId });
    await catalogue.markUsed(digestOf(4), runIds[20]);
    const kept = catalogue.recordOf(digestOf(4))?.runIds ?? [];
    expect(kept).toHaveLength(MAX_IMAGE_RUN_IDS);
    expect(kept[0]).toBe(runIds[20]);
    expect(kept.slice(1)).toEqual([...runIds].reverse().filter((id) => id !== runIds[20]).slice(0, MAX_IMAGE_RUN_IDS - 1));
  });

  it('records nothing for a failed conversion, removes its work, tells every waiter and the progress listener, and converts again when asked', async () => {
    const messages: ImageProgressMessage[] = [];
    const materializer = new WritingMaterializer();
    const { dir, catalogue } = await openCatalogue({ materializer, onProgress: (m) => messages.push(m) });
    materializer.failNext = new CairnError('FAILED_PRECONDITION', 'image refused: blob sha256:x does not match its digest');

    const waiters = await Promise.allSettled([1, 2, 3].map(() => catalogue.materialize(pinnedOf(5), digestOf(5))));

    expect(waiters.map((w) => w.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(readdirSync(dir)).toEqual([]);
    expect(catalogue.list()).toEqual({ images: [], usedBytes: 0, converting: [] });
    expect(messages.at(-1)).toEqual({ digest: digestOf(5), phase: 'failed', bytesDone: 0, bytesTotal: 1000, error: 'image refused: blob sha256:x does not match its digest' });

    await catalogue.materialize(pinnedOf(5), digestOf(5));
    expect(catalogue.recordOf(digestOf(5))?.conversions).toBe(1);
    expect(messages.map((m) => m.phase)).toEqual(['pulling', 'failed', 'pulling', 'converting', 'ready']);
  });

  it('has ended the conversion (recorded, not converting) when its ready or failed message is heard', async () => {
    const seen: string[] = [];
    const holder: { catalogue?: ImageCatalogue } = {};
    const materializer = new WritingMaterializer();
    const { catalogue } = await openCatalogue({
      materializer,
      onProgress: (m) => {
        if (m.phase === 'ready' || m.phase === 'failed') seen.push(`${m.phase}:${String(holder.catalogue?.converting(m.digest))}:${String(holder.catalogue?.recordOf(m.digest) !== undefined)}`);
      },
    });
    holder.catalogue = catalogue;
    materializer.failNext = new Error('refused');
    await expect(catalogue.materialize(pinnedOf(9), digestOf(9))).rejects.toThrow('refused');
    await catalogue.materialize(pinnedOf(9), digestOf(9));
    expect(seen).toEqual(['failed:false:false', 'ready:false:true']);
  });

  it('refuses a reference that is not pinned to the digest it names, and records nothing', async () => {
    const { dir, catalogue } = await openCatalogue();
    for (const pinned of ['127.0.0.1:5000/lab/test:1', pinnedOf(7), `${pinnedOf(6)} `, `$(id)@${digestOf(6)}`.replace('$(id)', '')]) {
      expect(await errorCode(catalogue.materialize(pinned, digestOf(6)))).toBe('INVALID_ARGUMENT');
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('gives a late joiner the phase of the conversion under way, then its progress', async () => {
    const materializer = new WritingMaterializer();
    materializer.release = () => undefined;
    const { catalogue } = await openCatalogue({ materializer });
    const first = catalogue.materialize(pinnedOf(8), digestOf(8));
    await sleep(20);
    const heard: string[] = [];
    const second = catalogue.materialize(pinnedOf(8), digestOf(8), { onProgress: (m) => heard.push(m.phase) });
    expect(catalogue.list().converting).toEqual([{ digest: digestOf(8), pinned: pinnedOf(8) }]);
    materializer.release();
    await Promise.all([first, second]);
    expect(heard).toEqual(['pulling', 'converting', 'ready']);
  });
});

describe('ImageCatalogue persistence', () => {
  it('survives a restart: records and conversions read back; the work a crash left is removed', async () => {
    const { dir, catalogue } = await openCatalogue();
    const runId = randomUUID();
    await catalogue.materialize(pinnedOf(10), digestOf(10), { runId });
    mkdirSync(join(dir, `.pull-${hex(11).slice(0, 12)}-abc123`, 'layout'), { recursive: true });
    writeFileSync(join(dir, `.pull-${hex(11).slice(0, 12)}-abc123`, 'layout', 'blob'), 'half');
    mkdirSync(join(dir, '.build-0123456789ab-zzz'));
    writeFileSync(join(dir, `${CATALOGUE_FILE}.tmp-deadbeef0000`), '{"version":1,"ima');

    const reopened = (await openCatalogue({ dir })).catalogue;

    expect(readdirSync(dir).sort()).toEqual([`${hex(10)}.v2.sqfs`, CATALOGUE_FILE].sort());
    expect(reopened.list().images).toEqual([catalogue.recordOf(digestOf(10))]);
    expect(reopened.recordOf(digestOf(10))).toMatchObject({ runIds: [runId], conversions: 1 });
  });

  it('drops at open a record whose file is gone, keeping its conversions count', async () => {
    const { dir, catalogue } = await openCatalogue();
    await catalogue.materialize(pinnedOf(12), digestOf(12));
    rmSync(join(dir, `${hex(12)}.v2.sqfs`));
    const reopened = (await openCatalogue({ dir })).catalogue;
    expect(reopened.list().images).toEqual([]);
    expect(stored(dir)).toEqual({ version: 1, images: [], conversions: { [digestOf(12)]: 1 } });
  });

  it('sets aside a catalogue file that does not parse and starts empty', async () => {
    const dir = mkdtempSync(join(root, 'images-'));
    writeFileSync(join(dir, CATALOGUE_FILE), '{"version":1,"images":[{"digest":"../../etc"}],"conversions":{}}');
    const { catalogue } = await openCatalogue({ dir });
    expect(catalogue.list().images).toEqual([]);
    expect(readdirSync(dir).filter((name) => name.startsWith(`${CATALOGUE_FILE}.unreadable-`))).toHaveLength(1);
  });

  it('has a complete catalogue file after every write of concurrent uses (never a partial one)', async () => {
    const { dir, catalogue } = await openCatalogue();
    await catalogue.materialize(pinnedOf(13), digestOf(13));
    const uses = Array.from({ length: 30 }, () => catalogue.markUsed(digestOf(13), randomUUID()));
    const reads: number[] = [];
    while (reads.length < 30) {
      reads.push(stored(dir).images.length);
      await sleep(1);
    }
    await Promise.all(uses);
    expect(new Set(reads)).toEqual(new Set([1]));
    expect(stored(dir).images[0]?.runIds).toHaveLength(30);
    expect(readdirSync(dir).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });
});

describe('ImageCatalogue.evict', () => {
  it('removes the record and the file and says how many bytes it freed; conversions stay counted', async () => {
    const { dir, catalogue } = await openCatalogue();
    await catalogue.materialize(pinnedOf(20), digestOf(20));
    await expect(catalogue.evict(digestOf(20))).resolves.toEqual({ freedBytes: 1000 });
    expect(existsSync(join(dir, `${hex(20)}.v2.sqfs`))).toBe(false);
    expect(catalogue.list().images).toEqual([]);
    await expect(catalogue.evict(digestOf(20))).resolves.toEqual({ freedBytes: 0 });
    await catalogue.materialize(pinnedOf(20), digestOf(20));
    expect(catalogue.recordOf(digestOf(20))?.conversions).toBe(2);
  });

  it('refuses (FAILED_PRECONDITION) while an attempt uses the image, and leaves it', async () => {
    const used = new Set<string>([digestOf(21)]);
    const { dir, catalogue } = await openCatalogue({ inUse: (digest) => used.has(digest) });
    await catalogue.materialize(pinnedOf(21), digestOf(21));
    expect(catalogue.recordOf(digestOf(21))?.inUse).toBe(true);
    await expect(catalogue.evict(digestOf(21))).rejects.toThrow(new CairnError('FAILED_PRECONDITION', `image ${digestOf(21)} is used by an attempt that has not ended; it cannot be evicted now`));
    expect(existsSync(join(dir, `${hex(21)}.v2.sqfs`))).toBe(true);
    used.clear();
    await expect(catalogue.evict(digestOf(21))).resolves.toEqual({ freedBytes: 1000 });
  });

  it('refuses while the image converts', async () => {
    const materializer = new WritingMaterializer();
    materializer.release = () => undefined;
    const { catalogue } = await openCatalogue({ materializer });
    const converting = catalogue.materialize(pinnedOf(22), digestOf(22));
    await sleep(20);
    expect(await errorCode(catalogue.evict(digestOf(22)))).toBe('FAILED_PRECONDITION');
    materializer.release();
    await converting;
    expect(catalogue.recordOf(digestOf(22))).toBeDefined();
  });
});

/** Converts into a directory as umoci would unpack one: a world-writable /tmp, a set-user-id program, a closed directory. */
class UnpackingMaterializer implements Materializer {
  readonly converter = { suffix: '.v2.dir' };
  runs = 0;

  materialize(_pinned: string, _digest: string, workDir: string, onProgress: (progress: ImageProgress) => void): Promise<string> {
    this.runs += 1;
    onProgress({ phase: 'converting', bytesDone: 0, bytesTotal: 0 });
    const rootfs = join(workDir, 'bundle', 'rootfs');
    mkdirSync(join(rootfs, 'tmp'), { recursive: true });
    mkdirSync(join(rootfs, 'bin'));
    mkdirSync(join(rootfs, 'root'));
    writeFileSync(join(rootfs, 'bin', 'tool'), 'x'.repeat(300));
    chmodSync(join(rootfs, 'bin', 'tool'), 0o4755);
    writeFileSync(join(rootfs, 'root', 'note'), 'y'.repeat(20));
    chmodSync(join(rootfs, 'root', 'note'), 0o600);
    chmodSync(join(rootfs, 'root'), 0o700);
    chmodSync(join(rootfs, 'tmp'), 0o1777);
    return Promise.resolve(rootfs);
  }
}

describe('ImageCatalogue with directory images (Charliecloud, ADR 0021)', () => {
  const modesBelow = (path: string): Record<string, number> =>
    Object.fromEntries(['', 'tmp', 'bin', 'bin/tool', 'root', 'root/note'].map((entry) => [entry, lstatSync(join(path, entry)).mode & 0o7777]));

  it('puts the unpacked tree in place as <hex>.v2.dir, sealed (nothing writable but by the agent, no set-id bit), its size the bytes of its files', async () => {
    const materializer = new UnpackingMaterializer();
    const { dir, catalogue } = await openCatalogue({ materializer });

    const results = await Promise.all(Array.from({ length: 5 }, () => catalogue.materialize(pinnedOf(30), digestOf(30), { runId: randomUUID() })));

    expect(materializer.runs).toBe(1);
    const path = join(dir, `${hex(30)}.v2.dir`);
    expect(new Set(results.map((r) => r.path))).toEqual(new Set([path]));
    expect(readdirSync(dir).sort()).toEqual([`${hex(30)}.v2.dir`, CATALOGUE_FILE].sort());
    expect(modesBelow(path)).toEqual({ '': 0o755, tmp: 0o755, bin: 0o755, 'bin/tool': 0o755, root: 0o755, 'root/note': 0o644 });
    expect(catalogue.recordOf(digestOf(30))).toMatchObject({ size: 320, conversions: 1 });
    expect(catalogue.list().usedBytes).toBe(320);
  });

  it('takes a directory already in place (an earlier agent’s) without converting, counting its files', async () => {
    const materializer = new UnpackingMaterializer();
    const dir = mkdtempSync(join(root, 'images-'));
    mkdirSync(join(dir, `${hex(31)}.v2.dir`, 'etc'), { recursive: true });
    writeFileSync(join(dir, `${hex(31)}.v2.dir`, 'etc', 'passwd'), 'p'.repeat(42));
    const { catalogue } = await openCatalogue({ dir, materializer });
    await expect(catalogue.materialize(pinnedOf(31), digestOf(31))).resolves.toMatchObject({ record: { size: 42, conversions: 0 } });
    expect(materializer.runs).toBe(0);
  });

  it('evicts the whole tree, freeing its size; an eviction a crash interrupted leaves nothing found again at open', async () => {
    const { dir, catalogue } = await openCatalogue({ materializer: new UnpackingMaterializer() });
    await catalogue.materialize(pinnedOf(32), digestOf(32));
    await expect(catalogue.evict(digestOf(32))).resolves.toEqual({ freedBytes: 320 });
    expect(readdirSync(dir)).toEqual([CATALOGUE_FILE]);

    mkdirSync(join(dir, `.evict-${hex(33).slice(0, 12)}-0a0b0c0d0e0f`, 'bin'), { recursive: true });
    const reopened = (await openCatalogue({ dir, materializer: new UnpackingMaterializer() })).catalogue;
    expect(readdirSync(dir)).toEqual([CATALOGUE_FILE]);
    expect(reopened.list().images).toEqual([]);
  });

  it('after the site changed its form: the record whose file is not in the new form is dropped, and the old form’s file removed', async () => {
    const { dir, catalogue } = await openCatalogue();
    await catalogue.materialize(pinnedOf(34), digestOf(34));
    expect(readdirSync(dir).sort()).toEqual([`${hex(34)}.v2.sqfs`, CATALOGUE_FILE].sort());

    const materializer = new UnpackingMaterializer();
    const reopened = (await openCatalogue({ dir, materializer })).catalogue;
    expect(reopened.list().images).toEqual([]);
    expect(readdirSync(dir)).toEqual([CATALOGUE_FILE]);
    await expect(reopened.materialize(pinnedOf(34), digestOf(34))).resolves.toMatchObject({ path: join(dir, `${hex(34)}.v2.dir`), record: { conversions: 2 } });
    expect(materializer.runs).toBe(1);
  });
});
