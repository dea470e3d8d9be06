import fc from 'fast-check';
import { CairnError, type ImageEvent, imageEventSchema, subjects } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { strictMock } from '@cairn/testing';
import { ImageEvents, imageEventOf } from './image-events';
import { ImagesNatsController } from './images.nats.controller';
import type { ImageResolver } from './image-resolver';
import type { SiteCatalogue } from './site-catalogue';

const DIGEST = `sha256:${'d'.repeat(64)}`;
const RESOLVED = { reference: 'lab/busybox:1.36', pinned: `127.0.0.1:5000/lab/busybox@${DIGEST}`, digest: DIGEST };
const AT = new Date('2026-12-01T10:00:00.000Z');

describe('image events (CAIRN_IMAGE_EVENTS)', () => {
  it('an event names the reference as asked, the pinned reference, its digest and registry', () => {
    const event = imageEventOf(RESOLVED, AT);
    expect(imageEventSchema.parse(event)).toEqual({ reference: 'lab/busybox:1.36', imageRef: RESOLVED.pinned, digest: DIGEST, registry: '127.0.0.1:5000', time: AT.toISOString() });
  });

  it('every reference the language accepts and its pinned form make a valid event', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9]{1,20}(\/[a-z0-9]{1,20}){0,3}(:[a-z0-9.]{1,20})?$/), fc.stringMatching(/^[a-z0-9.-]{1,40}(:[0-9]{1,5})?$/), (reference, registry) => {
        const event = imageEventOf({ reference, pinned: `${registry}/${reference.replace(/:.*$/, '')}@${DIGEST}`, digest: DIGEST }, AT);
        expect(imageEventSchema.safeParse(event).success).toBe(true);
        expect(event.registry).toBe(registry);
      }),
      { numRuns: 200 },
    );
  });

  it('publishes each resolution on subjects.images.resolved with the pinned reference as message id (repeats dedupe)', async () => {
    const sent: { subject: string; data: ImageEvent; msgId: string }[] = [];
    const events = new ImageEvents(async (subject, data, msgId) => sent.push({ subject, data, msgId }), createLogger('test', 'silent'), () => AT);
    await events.record(RESOLVED);
    await events.record(RESOLVED);
    expect(sent).toEqual([
      { subject: subjects.images.resolved, data: imageEventOf(RESOLVED, AT), msgId: RESOLVED.pinned },
      { subject: subjects.images.resolved, data: imageEventOf(RESOLVED, AT), msgId: RESOLVED.pinned },
    ]);
  });

  it('a publish that fails is logged and never fails the resolution', async () => {
    const logged: { msg: string; err: string }[] = [];
    const logger = createLogger('test', 'error', { write: (line: string) => logged.push(JSON.parse(line) as { msg: string; err: string }) });
    const events = new ImageEvents(async () => Promise.reject(new CairnError('UNAVAILABLE', 'no JetStream')), logger);
    await expect(events.record(RESOLVED)).resolves.toBeUndefined();
    expect(logged.map((l) => [l.msg, l.err])).toEqual([['image event not published; the resolution stands', 'no JetStream']]);
    const resolver = strictMock<ImageResolver>({ resolve: async () => RESOLVED }, 'resolver');
    await expect(new ImagesNatsController(resolver, events, strictMock<SiteCatalogue>({}, 'catalogue')).resolve({ reference: RESOLVED.reference })).resolves.toEqual(RESOLVED);
  });
});
