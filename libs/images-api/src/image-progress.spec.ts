import { encodeJson } from '@cairn/adapters/nats';
import fc from 'fast-check';
import { readProgress } from './image-progress';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('reading an agent progress message', () => {
  it('reads what the agent publishes for the digest followed', () => {
    const message = { digest: DIGEST, phase: 'pulling' as const, bytesDone: 10, bytesTotal: 100 };
    expect(readProgress(encodeJson(message), DIGEST)).toEqual(message);
  });

  it('skips another digest, an unknown phase, extra fields and anything that is not JSON', () => {
    expect(readProgress(encodeJson({ digest: `sha256:${'b'.repeat(64)}`, phase: 'pulling', bytesDone: 0, bytesTotal: 0 }), DIGEST)).toBeUndefined();
    expect(readProgress(encodeJson({ digest: DIGEST, phase: 'exploding', bytesDone: 0, bytesTotal: 0 }), DIGEST)).toBeUndefined();
    expect(readProgress(encodeJson({ digest: DIGEST, phase: 'ready', bytesDone: 0, bytesTotal: 0, extra: 1 }), DIGEST)).toBeUndefined();
    expect(readProgress(new TextEncoder().encode('{not json'), DIGEST)).toBeUndefined();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const read = readProgress(bytes, DIGEST);
        expect(read === undefined || read.digest === DIGEST).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
