import { CairnError, type SubmitAttemptCommand } from '@cairn/contracts';
import fc from 'fast-check';
import { checkAttemptCommand, MAX_ELEMENTS, MAX_ITEM_INDEX } from './attempt-command';

const DIGEST = `sha256:${'b'.repeat(64)}`;
const base: SubmitAttemptCommand = {
  attemptId: '3f1c2b4a-0000-4000-8000-000000000001',
  jobId: '9f1c2b4a-0000-4000-8000-000000000009',
  spec: { name: 'j', image: 'lab/busybox:1.36', command: ['/bin/true'], env: {}, resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 60 }, site: 'dev' },
  image: { reference: 'lab/busybox:1.36', pinned: `127.0.0.1:5000/lab/busybox@${DIGEST}`, digest: DIGEST },
};

/** The outcome of the check: accepted, or INVALID_ARGUMENT (anything else fails the property). */
function outcome(command: SubmitAttemptCommand): 'ok' | 'refused' {
  try {
    checkAttemptCommand(command, 'dev');
    return 'ok';
  } catch (error) {
    if (error instanceof CairnError && error.code === 'INVALID_ARGUMENT') return 'refused';
    throw error;
  }
}

describe('checkAttemptCommand (hostile values in the fields the scheduler sets)', () => {
  it('accepts a well-formed command', () => expect(outcome(base)).toBe('ok'));

  it('lets through only a pinned image skopeo reads as one registry reference of this digest', () => {
    const pinned = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ maxLength: 80 }).map((s) => `${s}@${DIGEST}`),
      fc.constantFrom(`--src-creds=a:b@${DIGEST}`, `reg/../../x@${DIGEST}`, `reg/x y@${DIGEST}`, `reg/x\n@${DIGEST}`, `reg/x@sha256:${'c'.repeat(64)}`),
    );
    fc.assert(
      fc.property(pinned, (value) => {
        if (outcome({ ...base, image: { ...base.image, pinned: value } }) === 'ok') {
          expect(value.endsWith(`@${DIGEST}`)).toBe(true);
          expect(value).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:/-]*@sha256:[a-f0-9]{64}$/);
          expect(value.split('/')).not.toContain('..');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('lets through only indices that name items one for one, within the limit, and at most the element limit', () => {
    const arrays = fc.record({
      items: fc.integer({ min: 1, max: 2000 }),
      itemsPerElement: fc.integer({ min: 1, max: 5 }),
      indices: fc.option(fc.array(fc.integer({ min: 0, max: MAX_ITEM_INDEX + 5 }), { maxLength: 40 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(arrays, ({ items, itemsPerElement, indices }) => {
        const array = { items: Array.from({ length: indices?.length || items }, (_, i) => i), itemsPerElement, ...(indices ? { indices } : {}) };
        if (outcome({ ...base, array }) === 'ok') {
          expect(Math.ceil(array.items.length / itemsPerElement)).toBeLessThanOrEqual(MAX_ELEMENTS);
          if (indices) {
            expect(new Set(indices).size).toBe(array.items.length);
            expect(Math.max(...indices)).toBeLessThanOrEqual(MAX_ITEM_INDEX);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
