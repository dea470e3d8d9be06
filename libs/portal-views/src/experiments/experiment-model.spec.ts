import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { LoopIterationSchema, StepKind, StepState, WorkflowSchema, WorkflowState, type Workflow } from '@cairn/portal-client';
import { experimentRows, MAX_COMPARED_RUNS, metricNames, metricSeries, parseRunIds, toggleRun, workflowNames } from './experiment-model';

const ts = (seconds: number) => ({ seconds: BigInt(seconds), nanos: 0 });

function run(id: string, accuracies: number[], patch: Partial<Omit<Workflow, '$typeName'>> = {}): Workflow {
  const w = create(WorkflowSchema, {
    runId: id,
    name: 'active-learning',
    state: WorkflowState.SUCCEEDED,
    createTime: ts(1000),
    endTime: ts(1125),
    iterations: accuracies.map((a, i) => ({
      loop: 'learn',
      iteration: i + 1,
      state: StepState.SUCCEEDED,
      metrics: { val_accuracy: a, labelled: 20 + 50 * i },
      decision: i === accuracies.length - 1 ? '' : `{"batch":[${i}]}`,
      stop: i === accuracies.length - 1 ? 'condition' : '',
    })),
    steps: [{ key: 'learn', path: 'learn', kind: StepKind.LOOP, state: StepState.SUCCEEDED, reason: 'stopped after iteration 3: "val_accuracy >= 0.92" held' }],
  });
  return Object.assign(w, patch);
}

describe('experiments: runs of one workflow side by side', () => {
  const a = run('aaaaaaaa-1111', [0.8, 0.9, 0.93]);
  const b = run('bbbbbbbb-2222', [0.7, 0.95]);

  it('overlays each metric\'s curves, one series per run, x = iteration', () => {
    expect(metricNames([a, b])).toEqual(['labelled', 'val_accuracy']);
    const series = metricSeries([a, b]);
    expect(series.get('val_accuracy')).toEqual([
      { name: 'run aaaaaaaa', points: [[1, 0.8], [2, 0.9], [3, 0.93]] },
      { name: 'run bbbbbbbb', points: [[1, 0.7], [2, 0.95]] },
    ]);
    expect(series.get('labelled')?.map((s) => s.points.length)).toEqual([3, 2]);
  });

  it('names metrics by loop when a workflow has several loops, and leaves out values a chart cannot draw', () => {
    const two = run('cccccccc', [0.5]);
    two.iterations.push(create(LoopIterationSchema, { loop: 'tune', iteration: 1, metrics: { loss: Number.NaN, lr: 0.1 } }));
    expect(metricNames([two])).toEqual(['learn: labelled', 'learn: val_accuracy', 'tune: lr']);
    expect(metricSeries([two]).get('tune: lr')).toEqual([{ name: 'run cccccccc', points: [[1, 0.1]] }]);
  });

  it('tabulates each run: state, start, duration, each metric\'s last value, how its loop ended, the last decision', () => {
    const running = run('dddddddd', [0.6], { state: WorkflowState.RUNNING, endTime: undefined });
    running.iterations[0] = create(LoopIterationSchema, { loop: 'learn', iteration: 1, metrics: { val_accuracy: 0.6, labelled: 20 } });
    expect(experimentRows([a, running], 1_100_000)).toEqual([
      {
        runId: 'aaaaaaaa-1111',
        state: 'SUCCEEDED',
        started: 1_000_000,
        durationSeconds: 125,
        iterations: 3,
        last: { val_accuracy: 0.93, labelled: 120 },
        outcome: 'stopped on condition; stopped after iteration 3: "val_accuracy >= 0.92" held',
        decision: '{"batch":[1]}',
      },
      {
        runId: 'dddddddd',
        state: 'RUNNING',
        started: 1_000_000,
        durationSeconds: 100,
        iterations: 1,
        last: { val_accuracy: 0.6, labelled: 20 },
        outcome: 'stopped after iteration 3: "val_accuracy >= 0.92" held',
        decision: '',
      },
    ]);
  });

  it('counts iterations the server left out, and keeps a metric named __proto__ as data', () => {
    const long = run('eeeeeeee', [0.5], { omittedIterations: 500 });
    long.iterations[0] = create(LoopIterationSchema, { loop: 'learn', iteration: 1, metrics: JSON.parse('{"__proto__": 3}') as Record<string, number> });
    const [row] = experimentRows([long], 0);
    expect(row?.iterations).toBe(501);
    expect(Object.keys(row?.last ?? {})).toEqual(['__proto__']);
  });

  it('lists each workflow name once, sorted', () => {
    expect(workflowNames([{ name: 'b' }, { name: 'a' }, { name: 'b' }, { name: '' }])).toEqual(['a', 'b']);
  });

  it('reads the compared runs from the URL, distinct and bounded, and toggles one', () => {
    expect(parseRunIds(null)).toEqual([]);
    expect(parseRunIds('a,b,a,,bad id,<x>')).toEqual(['a', 'b']);
    expect(parseRunIds(Array.from({ length: 20 }, (_, i) => `r${i}`).join(','))).toHaveLength(MAX_COMPARED_RUNS);
    expect(toggleRun(['a', 'b'], 'a')).toEqual(['b']);
    expect(toggleRun(['a'], 'b')).toEqual(['a', 'b']);
    const full = Array.from({ length: MAX_COMPARED_RUNS }, (_, i) => `r${i}`);
    expect(toggleRun(full, 'new')).toEqual([...full.slice(1), 'new']);
  });
});
