import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { UUID_PATTERN } from './validation';
import { isRunFinal, isStepFinal, STEP_STATES, WORKFLOW_STATES } from './workflow-records';

describe('UUID_PATTERN', () => {
  it('accepts every id Cairn makes', () => {
    for (let i = 0; i < 50; i += 1) expect(UUID_PATTERN.test(randomUUID())).toBe(true);
  });

  it('refuses anything with a character changed, added or removed, or in upper case', () => {
    const id = '3f1c2b4a-0000-4000-8000-000000000001';
    fc.assert(
      fc.property(fc.integer({ min: 0, max: id.length - 1 }), fc.constantFrom('g', '-', '/', '.', ' ', '\n', '\u0000', 'A', '😀'), (at, ch) => {
        if (id[at] !== ch) expect(UUID_PATTERN.test(id.slice(0, at) + ch + id.slice(at + 1))).toBe(false);
        expect(UUID_PATTERN.test(id.slice(0, at) + ch + id.slice(at))).toBe(false);
        expect(UUID_PATTERN.test(id.slice(0, at) + id.slice(at + 1))).toBe(false);
      }),
      { numRuns: 200 },
    );
    expect(UUID_PATTERN.test(id.toUpperCase())).toBe(false);
    expect(UUID_PATTERN.test('-'.repeat(36))).toBe(false);
  });
});

describe('final states of runs and steps', () => {
  it('a run ends in every state but RUNNING; a step in every state but WAITING and RUNNING', () => {
    expect(WORKFLOW_STATES.filter(isRunFinal)).toEqual(['SUCCEEDED', 'FAILED', 'CANCELLED']);
    expect(STEP_STATES.filter(isStepFinal)).toEqual(['SUCCEEDED', 'FAILED', 'CANCELLED', 'SKIPPED']);
  });
});
