import { CairnError, type ImageProgressMessage, type ListImagesReply, type MaterializeImageReply, type MaterializeImageRequest, pb, type Principal, type ResolvedImage } from '@cairn/contracts';
import type { ProgressFeed, ProgressSource } from './image-progress';
import type { ImageRequests } from './images.requests';
import { materializeImage } from './materialize-stream';

const HEX = 'c'.repeat(64);
const DIGEST = `sha256:${HEX}`;
const MINE = '0b3b5a4e-8a43-4c1e-9f0a-2d4c6e8f0a1b';
const THEIRS = '1b3b5a4e-8a43-4c1e-9f0a-2d4c6e8f0a1b';
const caller: Principal = { issuer: 'https://idp', subject: 'a', name: 'alice', posixUser: 'alice', accounts: ['alice-lab'], roles: ['user'], projects: [] };
const who = { caller, peer: 'ipv4:127.0.0.1:1', rpc: '/cairn.v1.ImageService/MaterializeImage' };
const resolved: ResolvedImage = { reference: 'lab/tool:1', pinned: `127.0.0.1:5000/lab/tool@sha256:${HEX}`, digest: DIGEST, size: 1000 };
const entry = { digest: DIGEST, pinned: resolved.pinned, size: 5000, runtime: 'charliecloud' as const, materializedAt: '2026-12-02T10:00:00.000Z', lastUsed: '2026-12-02T10:00:00.000Z', inUse: false, conversions: 1 };

/** A progress feed the test pushes into, recording when it was opened and closed. */
function manualProgress(log: string[]) {
  const queue: ImageProgressMessage[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  const source: ProgressSource = {
    subscribe(site, digest): ProgressFeed {
      log.push(`subscribe ${site} ${digest}`);
      return {
        close: () => {
          closed = true;
          log.push('close');
          wake?.();
        },
        async *[Symbol.asyncIterator]() {
          while (!closed) {
            const next = queue.shift();
            if (next) yield next;
            else await new Promise<void>((resolve) => (wake = resolve));
          }
        },
      };
    },
  };
  const push = (phase: ImageProgressMessage['phase'], bytesDone = 0, bytesTotal = 0) => {
    queue.push({ digest: DIGEST, phase, bytesDone, bytesTotal });
    wake?.();
  };
  return { source, push };
}

/** The images service as the contract says, answering materialize when `finish` is called. */
function imagesService(log: string[]) {
  let finish: ((reply: MaterializeImageReply) => void) | undefined;
  let fail: ((error: Error) => void) | undefined;
  const asked: MaterializeImageRequest[] = [];
  const list: ListImagesReply = { site: 'hpc1', runtime: 'charliecloud', platform: { os: 'linux', architecture: 'amd64' }, quotaBytes: 10_000, usedBytes: 5000, images: [{ ...entry, runIds: [MINE] }] };
  const images: ImageRequests = {
    resolve: (query) => {
      log.push(`resolve ${query.reference} ${query.site ?? ''}`);
      return Promise.resolve(resolved);
    },
    materialize: (request) => {
      log.push('materialize');
      asked.push(request);
      return new Promise((resolve, reject) => {
        finish = resolve;
        fail = reject;
      });
    },
    list: (query) => {
      log.push(`list ${query.caller.name}`);
      return Promise.resolve(list);
    },
    evict: () => Promise.reject(new Error('not here')),
  };
  return { images, asked, finish: (reply: MaterializeImageReply) => finish?.(reply), fail: (error: Error) => fail?.(error) };
}

const known = { defaultSite: 'hpc1', sites: ['hpc1', 'hpc2'] };
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('MaterializeImage', () => {
  it('resolves, subscribes before it asks, streams each phase with bytes, and ends READY with the runs the caller may see', async () => {
    const log: string[] = [];
    const progress = manualProgress(log);
    const service = imagesService(log);
    const stream = materializeImage(service.images, progress.source, { reference: 'lab/tool:1', site: '' }, known, new AbortController().signal, who);
    const frames: pb.MaterializeImageResponse[] = [];
    const done = (async () => {
      for await (const frame of stream) frames.push(frame);
    })();
    while (!log.includes('materialize')) await tick();
    expect(log).toEqual(['resolve lab/tool:1 hpc1', `subscribe hpc1 ${DIGEST}`, 'materialize']);
    expect(service.asked).toEqual([{ site: 'hpc1', image: resolved }]);
    progress.push('waiting');
    progress.push('pulling', 500, 1000);
    progress.push('verifying', 1000, 1000);
    progress.push('unpacking');
    progress.push('converting');
    progress.push('ready');
    while (frames.length < 6) await tick();
    service.finish({ site: 'hpc1', image: { ...entry, runIds: [THEIRS, MINE] } });
    await done;
    expect(frames.map((f) => [f.phase, f.bytesDone, f.bytesTotal])).toEqual([
      [pb.MaterializePhase.MATERIALIZE_PHASE_RESOLVING, 0, 1000],
      [pb.MaterializePhase.MATERIALIZE_PHASE_WAITING, 0, 0],
      [pb.MaterializePhase.MATERIALIZE_PHASE_PULLING, 500, 1000],
      [pb.MaterializePhase.MATERIALIZE_PHASE_VERIFYING, 1000, 1000],
      [pb.MaterializePhase.MATERIALIZE_PHASE_UNPACKING, 0, 0],
      [pb.MaterializePhase.MATERIALIZE_PHASE_CONVERTING, 0, 0],
      [pb.MaterializePhase.MATERIALIZE_PHASE_READY, 5000, 5000],
    ]);
    expect(frames.every((f) => f.site === 'hpc1' && f.image?.digest === DIGEST && f.image.pinned === resolved.pinned)).toBe(true);
    expect(frames.at(-1)?.siteImage?.runIds).toEqual([MINE]);
    expect(frames.slice(0, -1).every((f) => f.siteImage === undefined)).toBe(true);
    expect(log.slice(-2)).toEqual(['list alice', 'close']);
  });

  it('ends with the images service error (a tampered blob) and unsubscribes', async () => {
    const log: string[] = [];
    const progress = manualProgress(log);
    const service = imagesService(log);
    const frames: pb.MaterializeImageResponse[] = [];
    const done = (async () => {
      for await (const frame of materializeImage(service.images, progress.source, { reference: 'lab/tool:1', site: 'hpc1' }, known, new AbortController().signal, who)) frames.push(frame);
    })();
    while (!log.includes('materialize')) await tick();
    progress.push('pulling', 10, 1000);
    progress.push('failed');
    while (frames.length < 2) await tick();
    service.fail(new CairnError('FAILED_PRECONDITION', `blob sha256:${'d'.repeat(64)} does not match its digest`));
    await expect(done).rejects.toThrow(/does not match its digest/);
    expect(frames.map((f) => f.phase)).toEqual([pb.MaterializePhase.MATERIALIZE_PHASE_RESOLVING, pb.MaterializePhase.MATERIALIZE_PHASE_PULLING]);
    expect(log.at(-1)).toBe('close');
  });

  it('stops waiting and unsubscribes when the client goes away', async () => {
    const log: string[] = [];
    const progress = manualProgress(log);
    const service = imagesService(log);
    const abort = new AbortController();
    const frames: pb.MaterializeImageResponse[] = [];
    const done = (async () => {
      for await (const frame of materializeImage(service.images, progress.source, { reference: 'lab/tool:1', site: '' }, known, abort.signal, who)) frames.push(frame);
    })();
    while (!log.includes('materialize')) await tick();
    abort.abort();
    await done;
    expect(frames).toHaveLength(1);
    expect(log.at(-1)).toBe('close');
  });

  it('refuses a malformed reference before anything is asked', async () => {
    const log: string[] = [];
    const stream = materializeImage(imagesService(log).images, manualProgress(log).source, { reference: 'lab tool:1', site: '' }, known, new AbortController().signal, who);
    await expect(stream.next()).rejects.toThrow(/reference/);
    expect(log).toEqual([]);
  });
});
