import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { PlatformSchema, SiteImageSchema } from '@cairn/portal-client';
import { chosenSite, formatBytes, imageRow, platformText, pulledFrom, quotaModel, referenceProblem, shortDigest } from './images-model';

const HEX = '0123456789ab'.repeat(5) + 'cdef';
const DIGEST = `sha256:${HEX}`;
const RUN = '0b3b5a4e-8a43-4c1e-9f0a-2d4c6e8f0a1b';

describe('images page model', () => {
  it('turns a site image into a row: short digest, where it came from, size, times, run links, in use', () => {
    const image = create(SiteImageSchema, {
      digest: DIGEST,
      pinned: `127.0.0.1:5000/lab/tool@${DIGEST}`,
      size: 3n * 1024n * 1024n,
      runtime: 'charliecloud',
      lastUsed: { seconds: 1_790_000_000n, nanos: 0 },
      materializedAt: { seconds: 1_789_000_000n, nanos: 0 },
      runIds: [RUN],
      inUse: true,
      conversions: 2,
    });
    const row = imageRow(image);
    expect(row).toEqual({
      digest: DIGEST,
      short: 'sha256:0123456789ab',
      pinned: `127.0.0.1:5000/lab/tool@${DIGEST}`,
      from: '127.0.0.1:5000/lab/tool',
      size: '3.0 MiB',
      lastUsed: new Date(1_790_000_000_000),
      materializedAt: new Date(1_789_000_000_000),
      runs: [{ id: RUN, short: '0b3b5a4e', href: `/provenance/${RUN}` }],
      inUse: true,
      conversions: 2,
    });
    expect(imageRow(create(SiteImageSchema, { digest: DIGEST, pinned: 'x' })).lastUsed).toBeUndefined();
  });

  it('shows the quota as a share, full at or over it, and says when there is none', () => {
    expect(quotaModel({ usedBytes: 6n * 1024n * 1024n, quotaBytes: 10n * 1024n ** 3n })).toEqual({ used: 6 * 1024 * 1024, quota: 10 * 1024 ** 3, percent: 0, text: '6.0 MiB of 10.0 GiB used (0 %)', full: false });
    expect(quotaModel({ usedBytes: 512n, quotaBytes: 1024n })).toMatchObject({ percent: 50, full: false, text: '512 B of 1.0 KiB used (50 %)' });
    expect(quotaModel({ usedBytes: 2048n, quotaBytes: 1024n })).toMatchObject({ percent: 100, full: true });
    expect(quotaModel({ usedBytes: 1n, quotaBytes: 0n })).toMatchObject({ percent: 0, full: false, text: '1 B used (no quota set)' });
  });

  it('picks the site asked for in the address only if it is configured, else the first', () => {
    const sites = [{ name: 'hpc1' }, { name: 'hpc2' }];
    expect(chosenSite(sites, 'hpc2')).toBe('hpc2');
    expect(chosenSite(sites, 'nowhere')).toBe('hpc1');
    expect(chosenSite(sites, null)).toBe('hpc1');
    expect(chosenSite([], 'hpc1')).toBe('');
  });

  it('formats sizes, digests, platforms and references', () => {
    expect([formatBytes(0), formatBytes(1023), formatBytes(1024n), formatBytes(50 * 1024 ** 3), formatBytes(-1)]).toEqual(['0 B', '1023 B', '1.0 KiB', '50.0 GiB', '—']);
    expect(shortDigest(DIGEST)).toBe('sha256:0123456789ab');
    expect(pulledFrom(`docker.io/library/python@${DIGEST}`)).toBe('docker.io/library/python');
    expect([platformText(undefined), platformText(create(PlatformSchema, { os: 'linux', architecture: 'amd64' })), platformText(create(PlatformSchema, { os: 'linux', architecture: 'arm64', variant: 'v8' }))]).toEqual(['—', 'linux/amd64', 'linux/arm64/v8']);
    expect(referenceProblem('  ')).toBe('Enter an image reference, e.g. python:3.12');
    expect(referenceProblem('x'.repeat(256))).toBe('A reference is at most 255 characters (this one has 256)');
    expect(referenceProblem('x'.repeat(255))).toBeUndefined();
  });
});
