import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { ImageCatalogue, type Materializer } from '@cairn/adapters/container-runtime';
import { agentImageListReply, MAX_IMAGE_RUN_IDS, MAX_ROWS_REPLY_BYTES, MAX_SITE_IMAGES, type SiteImageRecord } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { errorCode, strictMock } from '@cairn/testing';
import { SiteImages } from './site-images';

const digestOf = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const pinnedOf = (n: number) => `127.0.0.1:5000/lab/x@${digestOf(n)}`;

/** Writes a small file after `release` (or at once). */
class SlowMaterializer implements Materializer {
  readonly converter = { suffix: '.v2.sqfs' };
  gate?: Promise<void>;
  async materialize(_pinned: string, _digest: string, workDir: string): Promise<string> {
    await this.gate;
    writeFileSync(join(workDir, 'image.sqfs'), 'img');
    return join(workDir, 'image.sqfs');
  }
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'site-images-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function setup() {
  const materializer = new SlowMaterializer();
  const catalogue = await ImageCatalogue.open({ dir: mkdtempSync(join(root, 'c-')), runtime: 'apptainer', materializer });
  return { materializer, catalogue, images: new SiteImages(catalogue, { os: 'linux', architecture: 'amd64' }, createLogger('t', 'silent')) };
}

describe('SiteImages', () => {
  it('without wait: converting at once while it converts, ready with the record once held', async () => {
    const { materializer, images } = await setup();
    const gate: { open?: () => void } = {};
    materializer.gate = new Promise<void>((resolve) => (gate.open = resolve));
    expect(await images.materialize({ pinned: pinnedOf(1), digest: digestOf(1), wait: false })).toEqual({ state: 'converting' });
    expect(images.list().converting).toEqual([{ digest: digestOf(1), pinned: pinnedOf(1) }]);
    gate.open?.();
    while (images.list().converting.length > 0) await sleep(5);
    expect(await images.materialize({ pinned: pinnedOf(1), digest: digestOf(1), wait: false })).toMatchObject({ state: 'ready', image: { digest: digestOf(1), runtime: 'apptainer', conversions: 1 } });
  });

  it('with wait: the record when ready, the run recorded', async () => {
    const { images } = await setup();
    const runId = '0b6f1b1e-0000-4000-8000-000000000001';
    expect(await images.materialize({ pinned: pinnedOf(2), digest: digestOf(2), wait: true, runId })).toMatchObject({ state: 'ready', image: { runIds: [runId] } });
  });

  it('refuses a pinned reference of another digest', async () => {
    const { images } = await setup();
    expect(await errorCode(images.materialize({ pinned: pinnedOf(3), digest: digestOf(4), wait: true }))).toBe('INVALID_ARGUMENT');
  });

  it('lists the runtime, the platform, the images and the bytes they take', async () => {
    const { images } = await setup();
    await images.materialize({ pinned: pinnedOf(5), digest: digestOf(5), wait: true });
    expect(images.list()).toMatchObject({ runtime: 'apptainer', platform: { os: 'linux', architecture: 'amd64' }, usedBytes: 3, converting: [] });
    expect(images.list().images).toHaveLength(1);
  });
});

describe('SiteImages.list at the limits', () => {
  const record = (n: number, runIds: number): SiteImageRecord => ({
    digest: digestOf(n),
    pinned: `registry.example.org:5000/${'lab/'.repeat(40)}image-with-a-long-name@${digestOf(n)}`,
    size: 1000,
    runtime: 'charliecloud',
    materializedAt: '2026-12-02T00:00:00.000Z',
    lastUsed: '2026-12-02T00:00:00.000Z',
    runIds: Array.from({ length: runIds }, () => randomUUID()),
    inUse: false,
    conversions: 1,
  });
  const listOf = (images: SiteImageRecord[]) =>
    new SiteImages(
      strictMock<ImageCatalogue>({ runtime: 'charliecloud', list: () => ({ images, usedBytes: images.length * 1000, converting: [] }) }, 'ImageCatalogue'),
      { os: 'linux', architecture: 'amd64' },
      createLogger('t', 'silent'),
    ).list();
  const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

  it('keeps every run id when the list fits one reply', () => {
    const list = listOf(Array.from({ length: 100 }, (_, i) => record(i, MAX_IMAGE_RUN_IDS)));
    expect(list.images.map((image) => image.runIds.length)).toEqual(Array(100).fill(MAX_IMAGE_RUN_IDS));
  });

  it('answers MAX_SITE_IMAGES images with MAX_IMAGE_RUN_IDS runs each in one reply: every image, fewer run ids, a valid reply', () => {
    const list = listOf(Array.from({ length: MAX_SITE_IMAGES + 5 }, (_, i) => record(i, MAX_IMAGE_RUN_IDS)));
    expect(bytes(list)).toBeLessThanOrEqual(MAX_ROWS_REPLY_BYTES);
    expect(list.images).toHaveLength(MAX_SITE_IMAGES);
    expect(list.images[0]?.runIds.length).toBeGreaterThan(0);
    expect(list.usedBytes).toBe((MAX_SITE_IMAGES + 5) * 1000);
    expect(agentImageListReply.safeParse(list).success).toBe(true);
  });
});
