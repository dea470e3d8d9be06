import { stripVTControlCharacters } from 'node:util';
import { pb } from '@cairn/contracts';
import { imagesCommands, type ImagesCliIo } from './images.commands';
import { bytes, progressLine, shortDigest } from './images-view';

const HEX = '0123456789ab'.repeat(5) + 'cdef';
const DIGEST = `sha256:${HEX}`;
const PINNED = `127.0.0.1:5000/lab/tool@${DIGEST}`;
const RUN = '0b3b5a4e-8a43-4c1e-9f0a-2d4c6e8f0a1b';
const AT = new Date('2026-12-02T10:00:00Z');
const image: pb.ResolvedImage = {
  reference: 'lab/tool:1',
  canonical: '127.0.0.1:5000/lab/tool:1',
  pinned: PINNED,
  digest: DIGEST,
  indexDigest: '',
  platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  size: 2048,
  resolvedAt: AT,
  cached: true,
};
const entry: pb.SiteImage = { digest: DIGEST, pinned: PINNED, size: 3 * 1024 * 1024, runtime: 'charliecloud', materializedAt: AT, lastUsed: AT, runIds: [RUN], inUse: true, conversions: 1 };
const list: pb.ListImagesResponse = { site: 'hpc1', images: [entry, { ...entry, digest: `sha256:${'f'.repeat(64)}`, pinned: `docker.io/library/python@sha256:${'f'.repeat(64)}`, inUse: false, runIds: [] }], quotaBytes: 10 * 1024 ** 3, usedBytes: 6 * 1024 * 1024, runtime: 'charliecloud', platform: { os: 'linux', architecture: 'amd64', variant: '' } };
const frame = (phase: pb.MaterializePhase, bytesDone = 0, bytesTotal = 0, siteImage?: pb.SiteImage): pb.MaterializeImageResponse => ({ phase, image, site: 'hpc1', bytesDone, bytesTotal, siteImage });

async function run(args: string[], client: Partial<ReturnType<ImagesCliIo['client']>>, isTTY = false) {
  const output: string[] = [];
  const asked: unknown[][] = [];
  const recorded = new Proxy(client, {
    get: (target, name: string) => {
      const method = target[name as keyof typeof target] as ((...a: unknown[]) => unknown) | undefined;
      return method ? (...a: unknown[]) => (asked.push([name, ...a.filter((x) => !(x instanceof AbortSignal))]), method(...a)) : undefined;
    },
  }) as ReturnType<ImagesCliIo['client']>;
  const command = imagesCommands({ out: { write: (s) => void output.push(s), isTTY }, client: () => recorded, signal: new AbortController().signal });
  command.exitOverride();
  await command.parseAsync(args, { from: 'user' });
  return { text: stripVTControlCharacters(output.join('')), raw: output.join(''), asked };
}

describe('cairn images', () => {
  it('resolve prints the pinned reference, digest and platform, for the site asked', async () => {
    const { text, asked } = await run(['resolve', 'lab/tool:1', '--site', 'hpc1'], { resolve: async () => ({ image, site: 'hpc1' }) });
    expect(asked).toEqual([['resolve', 'lab/tool:1', 'hpc1']]);
    expect(text).toContain(`pinned    ${PINNED}\n`);
    expect(text).toContain(`digest    ${DIGEST}\n`);
    expect(text).toContain('platform  linux/arm64/v8\n');
    expect(text).toContain('(from the tag cache)');
    const json = JSON.parse((await run(['resolve', 'lab/tool:1', '--json'], { resolve: async () => ({ image, site: 'hpc1' }) })).text) as { site: string; image: { digest: string } };
    expect([json.site, json.image.digest]).toEqual(['hpc1', DIGEST]);
  });

  it('materialize prints a line per phase off a terminal, then what the site holds', async () => {
    async function* stream() {
      yield frame(pb.MaterializePhase.MATERIALIZE_PHASE_RESOLVING, 0, 2048);
      yield frame(pb.MaterializePhase.MATERIALIZE_PHASE_PULLING, 1024, 2048);
      yield frame(pb.MaterializePhase.MATERIALIZE_PHASE_PULLING, 2048, 2048);
      yield frame(pb.MaterializePhase.MATERIALIZE_PHASE_VERIFYING, 2048, 2048);
      yield frame(pb.MaterializePhase.MATERIALIZE_PHASE_CONVERTING);
      yield frame(pb.MaterializePhase.MATERIALIZE_PHASE_READY, entry.size, entry.size, entry);
    }
    const { text, asked } = await run(['materialize', 'lab/tool:1'], { materialize: stream });
    expect(asked).toEqual([['materialize', 'lab/tool:1', '']]);
    expect(text.split('\n')).toEqual([`pinned ${PINNED} at hpc1`, 'resolving', 'pulling', 'verifying', 'converting', 'ready', `ready ${shortDigest(DIGEST)} 3.0 MiB charliecloud file at hpc1, converted 1 time`, '']);
  });

  it('materialize redraws one progress line with a bar and bytes on a terminal', async () => {
    async function* stream() {
      yield frame(pb.MaterializePhase.MATERIALIZE_PHASE_PULLING, 1024, 2048);
      yield frame(pb.MaterializePhase.MATERIALIZE_PHASE_READY, entry.size, entry.size, entry);
    }
    const { raw } = await run(['materialize', 'lab/tool:1', '-s', 'hpc2'], { materialize: stream }, true);
    expect(raw).toContain('\r\u001b[2K');
    expect(stripVTControlCharacters(progressLine(frame(pb.MaterializePhase.MATERIALIZE_PHASE_PULLING, 1024, 2048)))).toBe('pulling    ████████████░░░░░░░░░░░░ 1.0 KiB / 2.0 KiB');
  });

  it('materialize fails clearly when the stream ends before READY', async () => {
    async function* stream() {
      yield frame(pb.MaterializePhase.MATERIALIZE_PHASE_RESOLVING);
    }
    await expect(run(['materialize', 'lab/tool:1'], { materialize: stream })).rejects.toThrow('the gateway ended the stream before the image was ready');
  });

  it('list prints a table (short digest, pinned from, size, last used, runs, in use in words) and the quota', async () => {
    const { text, asked } = await run(['list', '--site', 'hpc1'], { list: async () => list });
    expect(asked).toEqual([['list', 'hpc1']]);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('hpc1 charliecloud · linux/amd64');
    expect(lines[1]).toMatch(/^DIGEST +PINNED FROM +SIZE +LAST USED +RUNS +IN USE$/);
    expect(lines[2]).toMatch(new RegExp(`^sha256:0123456789ab +127\\.0\\.0\\.1:5000/lab/tool +3\\.0 MiB +2026-12-02 10:00 UTC +1 +in use$`));
    expect(lines[3]).toMatch(/^sha256:ffffffffffff +docker\.io\/library\/python +3\.0 MiB +2026-12-02 10:00 UTC +0 +-$/);
    expect(lines[4]).toMatch(/^quota .* 6\.0 MiB of 10\.0 GiB used$/);
    const json = JSON.parse((await run(['list', '--json'], { list: async () => list })).text) as { images: unknown[]; quotaBytes: number };
    expect([json.images.length, json.quotaBytes]).toEqual([2, 10 * 1024 ** 3]);
    expect((await run(['list'], { list: async () => ({ ...list, images: [] }) })).text).toContain('no images at this site yet');
  });

  it('evict names the digest and the bytes freed', async () => {
    const { text, asked } = await run(['evict', DIGEST, '--site', 'hpc1'], { evict: async () => ({ freedBytes: 5 * 1024 * 1024 }) });
    expect(asked).toEqual([['evict', DIGEST, 'hpc1']]);
    expect(text).toBe(`evicted ${shortDigest(DIGEST)} (5.0 MiB freed)\n`);
  });

  it('never shows control characters a registry or a site could carry', async () => {
    const hostile = { ...list, site: 'x\u001b[2J', runtime: 'a\u0007', images: [{ ...entry, pinned: `evil\u001b]0;t\u0007/x@${DIGEST}`, runtime: '\u001b[31m' }] };
    const { raw } = await run(['list'], { list: async () => hostile });
    const text = stripVTControlCharacters(raw);
    expect(Array.from(text).filter((c) => c !== '\n' && (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))).toEqual([]);
  });

  it('says sizes in binary units', () => {
    expect([bytes(0), bytes(1023), bytes(1024), bytes(1536 * 1024), bytes(50 * 1024 ** 3), bytes(3 * 1024 ** 4)]).toEqual(['0 B', '1023 B', '1.0 KiB', '1.5 MiB', '50.0 GiB', '3.0 TiB']);
  });
});
