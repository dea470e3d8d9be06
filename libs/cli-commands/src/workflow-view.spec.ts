import { pb } from '@cairn/contracts';
import { aPlan, aStep, anIteration, at, aWorkflow, plain } from './workflow-fixtures';
import { describeWorkflow, formatMetrics, listWorkflows, planSummary, stepStateName, workflowStateName } from './workflow-view';

const { STEP_KIND_ARRAY, STEP_KIND_LOOP } = pb.StepKind;
const { STEP_STATE_SUCCEEDED, STEP_STATE_FAILED, STEP_STATE_RUNNING, STEP_STATE_SKIPPED } = pb.StepState;

describe('describeWorkflow', () => {
  const failed = aWorkflow({
    state: pb.WorkflowState.WORKFLOW_STATE_FAILED,
    reason: 'step sweep failed',
    updateTime: at(130),
    endTime: at(130),
    steps: [
      aStep('prep', { state: STEP_STATE_SUCCEEDED, attempt: 1, slurmJobIds: ['101'], startTime: at(0), endTime: at(12) }),
      aStep('sweep', {
        kind: STEP_KIND_ARRAY,
        state: STEP_STATE_FAILED,
        attempt: 2,
        items: { total: 1000, succeeded: 998, failed: 2 },
        failedItems: [3, 17],
        slurmJobIds: ['102', '140', '141', '142', '143'],
        reason: '2 items failed after 2 attempts',
        startTime: at(12),
        endTime: at(130),
      }),
      aStep('learn', { kind: STEP_KIND_LOOP, state: STEP_STATE_SKIPPED }),
      aStep('learn[1].train', { state: STEP_STATE_RUNNING, attempt: 1, requeues: 1, startTime: at(20) }),
    ],
    iterations: [
      anIteration('learn', 1, { metrics: { loss: 0.25, acc: 0.912345 }, startTime: at(20), endTime: at(80) }),
      anIteration('learn', 2, { state: STEP_STATE_SUCCEEDED, metrics: { acc: 0.95 }, stop: 'condition', startTime: at(80), endTime: at(125) }),
    ],
  });

  it('shows the run, a table of its step instances and one of its loop iterations', () => {
    expect(plain(describeWorkflow(failed, at(200).getTime()))).toBe(
      [
        'run       3f1c2a9e-0000-4000-8000-000000000001',
        'name      al',
        'state     FAILED (step sweep failed)',
        'site      hpc1',
        'file      al.yaml',
        'created   2026-01-01T10:00:00.000Z',
        'updated   2026-01-01T10:02:10.000Z',
        'ended     2026-01-01T10:02:10.000Z',
        'duration  2m10s',
        '',
        'STEP            KIND   STATE      ATTEMPT       ITEMS               SLURM           TIME   REASON',
        'prep            run    SUCCEEDED  1                                 101             12s',
        'sweep           array  FAILED     2             998/1000, 2 failed  102,140,141 +2  1m58s  2 items failed after 2 attempts',
        'learn           loop   SKIPPED    -                                 -',
        'learn[1].train  run    RUNNING    1 +1 requeue                      -               3m00s',
        '',
        'failed items of sweep: 3, 17',
        '',
        'LOOP   ITER  STATE      METRICS               STOP       TIME',
        'learn  1     SUCCEEDED  acc=0.9123 loss=0.25             1m00s',
        'learn  2     SUCCEEDED  acc=0.95              condition  45s',
        '',
      ].join('\n'),
    );
  });

  it('says how many older step instances and iterations a large run left out of the reply', () => {
    const large = plain(describeWorkflow(aWorkflow({ omittedSteps: 4200, omittedIterations: 12 }), at(5).getTime()));
    expect(large.endsWith('(4200 older step instances and 12 older iterations not shown: the run is too large for one reply)\n')).toBe(true);
    expect(plain(describeWorkflow(aWorkflow(), at(5).getTime()))).not.toContain('not shown');
  });

  it('leaves out the tables a run does not have yet', () => {
    const fresh = plain(describeWorkflow(aWorkflow(), at(5).getTime()));
    expect(fresh).toContain('state     RUNNING\n');
    expect(fresh).toContain('duration  5s\n');
    expect(fresh).not.toContain('STEP');
    expect(fresh).not.toContain('LOOP');
  });
});

describe('listWorkflows', () => {
  it('lists runs with state, site, creation time, duration (so far) and reason', () => {
    const runs = [
      aWorkflow(),
      aWorkflow({ runId: 'r2', name: 'sweep', state: pb.WorkflowState.WORKFLOW_STATE_CANCELLED, reason: 'on request', endTime: at(61) }),
    ];
    expect(plain(listWorkflows(runs, at(90).getTime()))).toBe(
      [
        'RUN                                   NAME   STATE      SITE  CREATED              DURATION  REASON',
        '3f1c2a9e-0000-4000-8000-000000000001  al     RUNNING    hpc1  2026-01-01 10:00:00  1m30s',
        'r2                                    sweep  CANCELLED  hpc1  2026-01-01 10:00:00  1m01s     on request',
      ].join('\n'),
    );
  });
});

describe('small formats', () => {
  it('names states without their prefix, and survives values it does not know', () => {
    expect(workflowStateName(pb.WorkflowState.WORKFLOW_STATE_SUCCEEDED)).toBe('SUCCEEDED');
    expect(stepStateName(pb.StepState.STEP_STATE_SKIPPED)).toBe('SKIPPED');
    expect(workflowStateName(42 as pb.WorkflowState)).toBe('42');
  });
  it('sorts metrics by name', () => expect(formatMetrics({ z: 1, a: 0.5 })).toBe('a=0.5 z=1'));
  it('summarises a plan in one line, counting loop bodies', () =>
    expect(planSummary(aPlan())).toBe('al on hpc1: 4 steps, 4 Slurm jobs per pass'));
});

describe('server text in a terminal', () => {
  it('shows a reason with control characters (an escape sequence a job could write) as U+FFFD, never raw', () => {
    const hostile = 'step s failed: \u001b[2J\u001b]0;owned\u0007 bad file\u0000';
    const out = describeWorkflow(aWorkflow({ state: pb.WorkflowState.WORKFLOW_STATE_FAILED, reason: hostile, steps: [aStep('s', { state: STEP_STATE_FAILED, reason: hostile })] }), at(5).getTime());
    expect(out).not.toContain('\u001b[2J');
    expect(out).not.toContain('\u0007');
    expect(out).not.toContain('\u0000');
    expect(plain(out)).toContain('step s failed: \uFFFD[2J\uFFFD]0;owned\uFFFD bad file\uFFFD');
  });
});
