import { type ListImagesReply, pb, type ResolvedImage, type SiteImageRecord } from '@cairn/contracts';
import { checkClearRefusal, refusal } from '@cairn/testing';
import fc from 'fast-check';
import { toDigest, toEvictCommand, toPbListImages, toPbPhase, toPbResolvedImage, toResolveQuery, toSite } from './images.mapper';

const HEX = 'a'.repeat(64);
const LONGEST_SITE = `s${'x'.repeat(31)}`;
const known = { defaultSite: 'hpc1', sites: ['hpc1', 'hpc2', LONGEST_SITE] };
const RUN = '0b3b5a4e-8a43-4c1e-9f0a-2d4c6e8f0a1b';
const record: SiteImageRecord = {
  digest: `sha256:${HEX}`,
  pinned: `127.0.0.1:5000/lab/tool@sha256:${HEX}`,
  size: 4096,
  runtime: 'charliecloud',
  materializedAt: '2026-12-01T10:00:00.000Z',
  lastUsed: '2026-12-02T10:00:00.000Z',
  runIds: [RUN],
  inUse: true,
  conversions: 1,
};

describe('images mapper', () => {
  it('reads the site (the default when empty), and refuses a malformed one naming the field', () => {
    expect(toSite('', known)).toBe('hpc1');
    expect(toSite('hpc2', known)).toBe('hpc2');
    expect(toSite(LONGEST_SITE, known)).toHaveLength(32);
    expect(refusal(() => toSite('hpc3', known))).toBe('INVALID_ARGUMENT: site: hpc3 is not a site of this gateway (its sites: hpc1, hpc2, sxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx)');
    expect(refusal(() => toSite(`s${'x'.repeat(32)}`, known))).toMatch(/^INVALID_ARGUMENT: site/);
    expect(refusal(() => toSite('HPC 1', known))).toMatch(/^INVALID_ARGUMENT: site/);
  });

  it('reads references up to 255 characters and refuses longer, empty and malformed ones naming the field', () => {
    const longest = `127.0.0.1:5000/${'a'.repeat(255 - '127.0.0.1:5000/'.length - ':1'.length)}:1`;
    expect(longest).toHaveLength(255);
    expect(toResolveQuery({ reference: longest, site: '' }, known)).toEqual({ reference: longest, site: 'hpc1' });
    expect(toResolveQuery({ reference: 'python:3.12', site: 'hpc2' }, known)).toEqual({ reference: 'python:3.12', site: 'hpc2' });
    expect(refusal(() => toResolveQuery({ reference: `${longest}2`, site: '' }, known))).toMatch(/^INVALID_ARGUMENT: reference.*255/);
    expect(refusal(() => toResolveQuery({ reference: '', site: '' }, known))).toMatch(/^INVALID_ARGUMENT: reference/);
    expect(refusal(() => toResolveQuery({ reference: 'Bad Name', site: '' }, known))).toMatch(/^INVALID_ARGUMENT: reference/);
  });

  it('refuses any hostile reference, site or digest with a short, clean INVALID_ARGUMENT, or reads it', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400, unit: 'binary' }), fc.string({ maxLength: 64, unit: 'binary' }), fc.string({ maxLength: 100, unit: 'binary' }), (reference, site, digest) => {
        checkClearRefusal(() => toResolveQuery({ reference, site }, known), 600);
        checkClearRefusal(() => toEvictCommand({ site, digest }, known), 600);
      }),
      { numRuns: 300 },
    );
  });

  it('reads a digest only as sha256:<64 lower-case hex>', () => {
    expect(toDigest(`sha256:${HEX}`)).toBe(`sha256:${HEX}`);
    expect(toEvictCommand({ site: '', digest: `sha256:${HEX}` }, known)).toEqual({ site: 'hpc1', digest: `sha256:${HEX}` });
    for (const bad of ['', HEX, `sha256:${HEX.toUpperCase()}`, `sha256:${HEX}0`, `sha512:${HEX}`]) expect(refusal(() => toDigest(bad))).toMatch(/^INVALID_ARGUMENT: digest: must be sha256:<64 hex>/);
  });

  it('translates a resolved image, with empty fields for facts an older record lacks', () => {
    const full: ResolvedImage = {
      reference: 'lab/tool:1',
      pinned: record.pinned,
      digest: record.digest,
      canonical: '127.0.0.1:5000/lab/tool:1',
      indexDigest: `sha256:${'b'.repeat(64)}`,
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 123,
      resolvedAt: '2026-12-02T10:00:00.000Z',
      cached: true,
    };
    expect(toPbResolvedImage(full)).toEqual({ ...full, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, resolvedAt: new Date('2026-12-02T10:00:00.000Z') });
    expect(toPbResolvedImage({ reference: 'x', pinned: record.pinned, digest: record.digest })).toEqual({
      reference: 'x',
      pinned: record.pinned,
      digest: record.digest,
      canonical: '',
      indexDigest: '',
      platform: undefined,
      mediaType: '',
      size: 0,
      resolvedAt: undefined,
      cached: false,
    });
  });

  it("translates a site's list with its quota, runtime and platform", () => {
    const reply: ListImagesReply = { site: 'hpc1', runtime: 'charliecloud', platform: { os: 'linux', architecture: 'amd64' }, quotaBytes: 1 << 30, usedBytes: 4096, images: [record] };
    expect(toPbListImages(reply)).toEqual({
      site: 'hpc1',
      runtime: 'charliecloud',
      platform: { os: 'linux', architecture: 'amd64', variant: '' },
      quotaBytes: 1 << 30,
      usedBytes: 4096,
      images: [{ ...record, materializedAt: new Date(record.materializedAt), lastUsed: new Date(record.lastUsed), runIds: [RUN] }],
    });
  });

  it('maps every progress phase but ready and failed (the reply ends the stream)', () => {
    expect(['waiting', 'pulling', 'verifying', 'unpacking', 'converting'].map((p) => toPbPhase(p as 'waiting'))).toEqual([
      pb.MaterializePhase.MATERIALIZE_PHASE_WAITING,
      pb.MaterializePhase.MATERIALIZE_PHASE_PULLING,
      pb.MaterializePhase.MATERIALIZE_PHASE_VERIFYING,
      pb.MaterializePhase.MATERIALIZE_PHASE_UNPACKING,
      pb.MaterializePhase.MATERIALIZE_PHASE_CONVERTING,
    ]);
    expect(toPbPhase('ready')).toBeUndefined();
    expect(toPbPhase('failed')).toBeUndefined();
  });
});
