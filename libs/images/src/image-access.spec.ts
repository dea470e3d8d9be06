import { imageForCaller, runIdsOf } from './image-access';
import { ADMIN, ALICE, BOB, CAROL, imageOf, runIdOf, runOf } from './images-spec-kit';

// Runs: 1 alice's (final), 2 carol's (live), 3 unknown to the scheduler.
const RUNS = new Map([runOf(1, ALICE, false), runOf(2, CAROL, true)].map((run) => [run.runId, run]));
const IMAGE = imageOf(1, 1, { runIds: [runIdOf(1), runIdOf(2), runIdOf(3)] });

describe('a site image as the caller sees it', () => {
  it('the owner sees their runs, a member of the run\'s project too, a stranger none, an admin all (also runs the scheduler forgot)', () => {
    expect(imageForCaller(IMAGE, ALICE, RUNS).runIds).toEqual([runIdOf(1)]);
    expect(imageForCaller(IMAGE, BOB, RUNS).runIds).toEqual([runIdOf(1)]);
    expect(imageForCaller(IMAGE, CAROL, RUNS).runIds).toEqual([runIdOf(2)]);
    expect(imageForCaller(IMAGE, ADMIN, RUNS).runIds).toEqual([runIdOf(1), runIdOf(2), runIdOf(3)]);
  });

  it('in use when a live run used it, whether or not the caller may see that run', () => {
    expect(imageForCaller(IMAGE, ALICE, RUNS).inUse).toBe(true);
    expect(imageForCaller(imageOf(2, 1, { runIds: [runIdOf(1)] }), ALICE, RUNS).inUse).toBe(false);
    expect(imageForCaller(imageOf(3, 1, { inUse: true }), ALICE, RUNS).inUse).toBe(true);
  });

  it('names each run id once', () => {
    expect(runIdsOf([IMAGE, imageOf(2, 1, { runIds: [runIdOf(1)] })])).toEqual([runIdOf(1), runIdOf(2), runIdOf(3)]);
  });
});
