import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@cairn/logging';
import { openImagesDatabase } from './images.module';
import { factsOf } from './images-spec-kit';
import { PgResolutionStore } from './resolution-store';

const TAG = { registry: '127.0.0.1:5000', repository: 'lab/busybox', tag: '1.36', platform: 'linux/amd64' };
const AT = new Date('2026-12-01T10:00:00.000Z');

describe('PgResolutionStore (schema images, in the embedded PostgreSQL; the integration spec runs it on the server, across a restart)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'images-store-'));
  const logger = createLogger('test', 'silent');
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps the last answer of a tag (per platform) and the first facts of a digest', async () => {
    const database = await openImagesDatabase({ dataDir, logger });
    try {
      const store = new PgResolutionStore(database.db);
      expect(await store.getTag(TAG)).toBeUndefined();
      await store.putTag(TAG, { facts: factsOf(1), resolvedAt: AT });
      await store.putTag(TAG, { facts: factsOf(2), resolvedAt: new Date(AT.getTime() + 1000) });
      const key = { registry: TAG.registry, repository: TAG.repository, digest: factsOf(2).digest, platform: TAG.platform };
      await store.putDigest(key, factsOf(2), AT);
      await store.putDigest(key, { ...factsOf(2), mediaType: 'other' }, AT);
      expect(await store.getTag(TAG)).toEqual({ facts: factsOf(2), resolvedAt: new Date(AT.getTime() + 1000) });
      expect(await store.getTag({ ...TAG, platform: 'linux/arm64/v8' })).toBeUndefined();
      expect(await store.getDigest(key)).toEqual(factsOf(2));
    } finally {
      await database.close();
    }
  }, 60_000);
});
