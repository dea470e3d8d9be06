import { decodeJson } from '@cairn/adapters/nats';
import { type ImageProgressMessage, subjects } from '@cairn/contracts';
import { ImageProgressPublisher, PROGRESS_INTERVAL_MS } from './image-progress';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

function setup() {
  let now = 0;
  const sent: { subject: string; message: ImageProgressMessage }[] = [];
  const publisher = new ImageProgressPublisher('dev', (subject, data) => sent.push({ subject, message: decodeJson(data) as ImageProgressMessage }), () => now);
  return { publisher, sent, advance: (ms: number) => (now += ms) };
}
const pulling = (digest: string, bytesDone: number): ImageProgressMessage => ({ digest, phase: 'pulling', bytesDone, bytesTotal: 100 });

describe('ImageProgressPublisher', () => {
  it('publishes on the digest’s progress subject, at most one message per PROGRESS_INTERVAL_MS in a phase', () => {
    const { publisher, sent, advance } = setup();
    for (let i = 0; i < 100; i += 1) {
      publisher.hear(pulling(A, i));
      advance(10);
    }
    expect(sent.map((s) => s.message.bytesDone)).toEqual([0, 25, 50, 75]);
    expect(new Set(sent.map((s) => s.subject))).toEqual(new Set([subjects.imageProgress('dev', 'a'.repeat(64))]));
    expect(PROGRESS_INTERVAL_MS).toBe(250);
  });

  it('publishes every phase change and always the final ready or failed, throttling each digest on its own', () => {
    const { publisher, sent } = setup();
    publisher.hear(pulling(A, 1));
    publisher.hear(pulling(B, 1));
    publisher.hear({ digest: A, phase: 'verifying', bytesDone: 100, bytesTotal: 100 });
    publisher.hear({ digest: A, phase: 'unpacking', bytesDone: 100, bytesTotal: 100 });
    publisher.hear({ digest: A, phase: 'ready', bytesDone: 100, bytesTotal: 100 });
    publisher.hear(pulling(B, 2));
    publisher.hear({ digest: B, phase: 'failed', bytesDone: 2, bytesTotal: 100, error: 'refused' });
    expect(sent.map((s) => `${s.message.digest.slice(7, 8)}:${s.message.phase}`)).toEqual(['a:pulling', 'b:pulling', 'a:verifying', 'a:unpacking', 'a:ready', 'b:failed']);
  });
});
