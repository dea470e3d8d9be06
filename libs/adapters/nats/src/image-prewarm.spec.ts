import { prewarmImageMessage, type ResolvedImage, subjects } from '@cairn/contracts';
import { decodeJson } from './envelope';
import { NatsImagePrewarm } from './image-prewarm';

const image = (hex: string): ResolvedImage => ({ reference: `lab/x:${hex}`, pinned: `reg/lab/x@sha256:${hex.repeat(64)}`, digest: `sha256:${hex.repeat(64)}` });
const RUN = '6f1c2a52-3c2e-4a43-9d2b-1b2f0a7f3c11';

describe('NatsImagePrewarm', () => {
  it('publishes one valid images.prewarm per pinned image of the run', () => {
    const sent: { subject: string; data: unknown }[] = [];
    const prewarm = new NatsImagePrewarm({ publish: (subject, data) => void sent.push({ subject, data: decodeJson(data as Uint8Array) }) }, () => undefined);
    prewarm.prewarm('dev', [image('a'), image('b'), { ...image('a'), reference: 'other/name:1' }], RUN);
    expect(sent.map((s) => s.subject)).toEqual([subjects.images.prewarm, subjects.images.prewarm]);
    expect(sent.map((s) => prewarmImageMessage.parse(s.data))).toEqual([
      { site: 'dev', image: image('a'), runId: RUN },
      { site: 'dev', image: image('b'), runId: RUN },
    ]);
  });

  it('hands a failed publish to onError and goes on with the next image, never throwing', () => {
    const failures: string[] = [];
    let calls = 0;
    const prewarm = new NatsImagePrewarm(
      {
        publish: () => {
          calls += 1;
          if (calls === 1) throw new Error('connection closed');
        },
      },
      (error, message) => failures.push(`${message.image.digest}: ${(error as Error).message}`),
    );
    expect(() => prewarm.prewarm('dev', [image('a'), image('b')], RUN)).not.toThrow();
    expect(calls).toBe(2);
    expect(failures).toEqual([`sha256:${'a'.repeat(64)}: connection closed`]);
  });
});
