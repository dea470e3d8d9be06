import { canTransition, isFinal, JOB_STATES, type JobState } from './job-state';

describe('job state machine', () => {
  it.each<[JobState, JobState, boolean]>([
    ['ACCEPTED', 'PENDING', true],
    ['ACCEPTED', 'CANCELLED', true],
    ['PENDING', 'COMPLETED', true],
    ['RUNNING', 'TIMEOUT', true],
    ['RUNNING', 'PENDING', false],
    ['RUNNING', 'RUNNING', false],
    ['COMPLETED', 'FAILED', false],
    ['CANCELLED', 'RUNNING', false],
  ])('%s -> %s is %s', (from, to, allowed) => expect(canTransition(from, to)).toBe(allowed));

  it('never leaves a final state', () => {
    for (const from of JOB_STATES.filter(isFinal)) {
      for (const to of JOB_STATES) expect(canTransition(from, to)).toBe(false);
    }
  });
});
