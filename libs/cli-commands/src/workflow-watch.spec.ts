import { pb } from '@cairn/contracts';
import { aPlan, aStep, anIteration, at, aWorkflow, iterationEvent, plain, runEvent, stepEvent } from './workflow-fixtures';
import { applyWatchEvent, renderFrame, runModel, summaryLine } from './workflow-watch';

const { STEP_KIND_ARRAY, STEP_KIND_LOOP } = pb.StepKind;
const { STEP_STATE_RUNNING, STEP_STATE_SUCCEEDED, STEP_STATE_FAILED, STEP_STATE_WAITING } = pb.StepState;
const { WORKFLOW_STATE_RUNNING, WORKFLOW_STATE_FAILED, WORKFLOW_STATE_SUCCEEDED } = pb.WorkflowState;

const sweep = (succeeded: number, failed = 0, extra: Partial<pb.WorkflowStep> = {}) =>
  aStep('sweep', { kind: STEP_KIND_ARRAY, state: STEP_STATE_RUNNING, attempt: 1, items: { total: 200, succeeded, failed }, startTime: at(0), ...extra });

describe('applyWatchEvent', () => {
  it('logs new instances and real changes, and array progress only every 10 %', () => {
    const model = runModel(aWorkflow(), aPlan());
    const log = (event: pb.WatchWorkflowResponse) => applyWatchEvent(model, event).map(plain);
    expect(log(stepEvent(aStep('prep')))).toEqual(['step prep WAITING']);
    expect(log(stepEvent(aStep('prep')))).toEqual([]); // the same again
    expect(log(stepEvent(aStep('prep', { state: STEP_STATE_RUNNING, attempt: 1, slurmJobIds: ['101'] })))).toEqual(['step prep RUNNING  slurm 101']);
    expect(log(stepEvent(aStep('prep', { state: STEP_STATE_RUNNING, attempt: 2, reason: 'exit 1, retrying' })))).toEqual([
      'step prep RUNNING  attempt 2 · exit 1, retrying',
    ]);
    expect(log(stepEvent(sweep(0)))).toEqual(['step sweep RUNNING  items 0/200']);
    expect(log(stepEvent(sweep(19)))).toEqual([]);
    expect(log(stepEvent(sweep(20)))).toEqual(['step sweep RUNNING  items 20/200']);
    expect(log(stepEvent(sweep(21, 1)))).toEqual(['step sweep RUNNING  items 21/200, 1 failed']);
    const loop = aStep('learn', { kind: STEP_KIND_LOOP, state: STEP_STATE_RUNNING, attempt: 1 });
    expect(log(stepEvent(loop))).toEqual(['step learn RUNNING']);
    expect(log(stepEvent({ ...loop, attempt: 2 }))).toEqual([]); // a loop's attempt is its iteration: the iteration lines tell
    expect(model.steps.get('sweep')?.items?.succeeded).toBe(21);
    expect([...model.steps.keys()]).toEqual(['prep', 'sweep', 'learn']);
  });

  it('logs iterations with their metrics and stop, and the run with its reason and end', () => {
    const model = runModel(aWorkflow(), aPlan());
    expect(applyWatchEvent(model, iterationEvent(anIteration('learn', 1, { state: STEP_STATE_RUNNING }))).map(plain)).toEqual(['iteration learn[1] RUNNING']);
    const done = anIteration('learn', 1, { metrics: { loss: 0.2, acc: 0.9 }, stop: 'condition' });
    expect(applyWatchEvent(model, iterationEvent(done)).map(plain)).toEqual(['iteration learn[1] SUCCEEDED  acc=0.9 loss=0.2 · stop: condition']);
    expect(applyWatchEvent(model, iterationEvent(done))).toEqual([]);
    expect(applyWatchEvent(model, runEvent(WORKFLOW_STATE_FAILED, 'step sweep failed', at(75))).map(plain)).toEqual(['run FAILED  step sweep failed']);
    expect(model).toMatchObject({ state: WORKFLOW_STATE_FAILED, reason: 'step sweep failed', endTime: at(75) });
  });

  it('takes the run state every event carries and ignores kinds it does not know', () => {
    const model = runModel(aWorkflow());
    expect(applyWatchEvent(model, { ...stepEvent(aStep('x')), kind: 'artifact', state: WORKFLOW_STATE_SUCCEEDED })).toEqual([]);
    expect(model.state).toBe(WORKFLOW_STATE_SUCCEEDED);
    expect(model.steps.size).toBe(0);
  });
});

describe('renderFrame', () => {
  const running = () => {
    const model = runModel(
      aWorkflow({
        steps: [
          aStep('prep', { state: STEP_STATE_SUCCEEDED, attempt: 1, startTime: at(0), endTime: at(10) }),
          sweep(50, 3),
          aStep('learn', { kind: STEP_KIND_LOOP, state: STEP_STATE_RUNNING, attempt: 3, startTime: at(10) }),
          aStep('learn[1].train', { state: STEP_STATE_SUCCEEDED, attempt: 1, startTime: at(10), endTime: at(20) }),
          aStep('learn[2].train', { state: STEP_STATE_SUCCEEDED, attempt: 1, startTime: at(20), endTime: at(30) }),
          aStep('learn[3].train', { state: STEP_STATE_RUNNING, attempt: 2, startTime: at(30) }),
        ],
        iterations: [
          anIteration('learn', 1, { metrics: { acc: 0.5 } }),
          anIteration('learn', 2, { metrics: { acc: 0.75 } }),
          anIteration('learn', 3, { state: STEP_STATE_RUNNING }),
        ],
      }),
      aPlan(8),
    );
    return model;
  };

  it('draws a line per step instance with its progress, folds earlier iterations, and shows the latest metrics', () => {
    expect(renderFrame(running(), at(60).getTime(), { spinner: '⠙', barWidth: 8 }).map(plain)).toEqual([
      '⠙ al 3f1c2a9e-0000-4000-8000-000000000001  RUNNING  1m00s',
      'STEP            KIND   STATE       PROGRESS  DONE              TIME',
      'prep            run    SUCCEEDED   ████████                    10s',
      'sweep           array  RUNNING     ██▓░░░░░  50/200, 3 failed  1m00s',
      'learn           loop   RUNNING     ██░░░░░░  2/8 iterations    50s',
      'learn[3].train  run    RUNNING #2  ░░░░░░░░                    30s',
      '… 2 more step instances (finished; cairn workflow get 3f1c2a9e-0000-4000-8000-000000000001)',
      'metrics learn[2]: acc=0.75',
    ]);
  });

  it('keeps failed instances of earlier iterations, and says why a loop stopped', () => {
    const model = running();
    applyWatchEvent(model, stepEvent(aStep('learn[1].train', { state: STEP_STATE_FAILED, attempt: 3 })));
    applyWatchEvent(model, iterationEvent(anIteration('learn', 3, { metrics: { acc: 0.95 }, stop: 'condition' })));
    const frame = renderFrame(model, at(60).getTime(), { barWidth: 8 }).map(plain);
    expect(frame).toContain('learn[1].train  run    FAILED #3   ▓▓▓▓▓▓▓▓');
    expect(frame).toContain('learn           loop   RUNNING     ███░░░░░  3/8 iterations, stop: condition  50s');
    expect(frame[frame.length - 1]).toBe('metrics learn[3]: acc=0.95 (stop: condition)');
  });

  it('fits the terminal height, dropping finished steps first', () => {
    const frame = renderFrame(running(), at(60).getTime(), { maxLines: 6, barWidth: 4 }).map(plain);
    expect(frame).toHaveLength(6);
    expect(frame.slice(2, 4).map((l) => l.split(' ')[0])).toEqual(['sweep', 'learn']);
    expect(frame[4]).toMatch(/^… 4 more step instances/);
  });

  it('shows the state icon once the run has ended, and unknown totals as "?"', () => {
    const waiting = sweep(0, 0, { items: { total: 0, succeeded: 0, failed: 0 }, state: STEP_STATE_WAITING, attempt: 0, startTime: undefined });
    const model = runModel(aWorkflow({ state: WORKFLOW_STATE_SUCCEEDED, endTime: at(5), steps: [waiting, aStep('learn', { kind: STEP_KIND_LOOP })] }));
    const frame = renderFrame(model, at(60).getTime(), { spinner: '⠙', barWidth: 4 }).map(plain);
    expect(frame[0]).toBe('✔ al 3f1c2a9e-0000-4000-8000-000000000001  SUCCEEDED  5s');
    expect(frame[2]).toMatch(/^sweep +array +WAITING +░░░░ +0\/\? *$/);
    expect(frame[3]).toMatch(/^learn +loop +WAITING +░░░░ +0\/\? iterations *$/);
  });
});

describe('summaryLine', () => {
  it('says how the run ended and why', () => {
    const model = runModel(aWorkflow({ state: WORKFLOW_STATE_FAILED, endTime: at(130), steps: [aStep('sweep', { state: STEP_STATE_FAILED })] }));
    expect(plain(summaryLine(model, at(200).getTime()))).toBe('✖ run 3f1c2a9e-0000-4000-8000-000000000001 FAILED after 2m10s (failed: sweep)');
    model.reason = 'step sweep failed';
    expect(plain(summaryLine(model, 0))).toMatch(/FAILED after 2m10s \(step sweep failed\)$/);
    model.state = WORKFLOW_STATE_RUNNING;
    expect(plain(summaryLine(model, 0))).toBe('run 3f1c2a9e-0000-4000-8000-000000000001 is RUNNING');
  });
});
