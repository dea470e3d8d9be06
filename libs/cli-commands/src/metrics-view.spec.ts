import { pb } from '@cairn/contracts';
import { UsageError } from './cli.errors';
import { renderComparison, renderMetrics } from './metrics-view';
import { anIteration, at, aWorkflow, plain } from './workflow-fixtures';

const learn = (accs: number[], stop = 'condition') =>
  accs.map((acc, i) => anIteration('learn', i + 1, { metrics: { acc, loss: Number((1 - acc).toFixed(2)) }, stop: i === accs.length - 1 ? stop : '' }));

describe('renderMetrics', () => {
  const run = aWorkflow({ iterations: learn([0.5, 0.75, 1]) });

  it('shows a table of the iterations, then per metric its min, max, last and a chart', () => {
    expect(plain(renderMetrics(run, { chartHeight: 2 }))).toBe(
      [
        'learn: 3 iterations, stopped by condition',
        'ITER  STATE      acc   loss  STOP',
        '1     SUCCEEDED  0.5   0.5',
        '2     SUCCEEDED  0.75  0.25',
        '3     SUCCEEDED  1     0     condition',
        '',
        'acc  min 0.5 (iteration 1) · max 1 (iteration 3) · last 1',
        '    1 ┤  ▁ █',
        '  0.5 ┤▁ █ █',
        '      └─────',
        '       1   3',
        '',
        'loss  min 0 (iteration 3) · max 0.5 (iteration 1) · last 0',
        '  0.5 ┤█ ▁',
        '    0 ┤█ █ ▁',
        '      └─────',
        '       1   3',
        '',
      ].join('\n'),
    );
  });

  it('narrows to one loop and one metric', () => {
    const two = aWorkflow({ iterations: [...learn([0.5, 0.6]), anIteration('tune', 1, { metrics: { lr: 0.01 } })] });
    const out = plain(renderMetrics(two, { loop: 'tune', metric: 'lr' }));
    expect(out).toContain('tune: 1 iteration\n');
    expect(out).toContain('ITER  STATE      lr    STOP\n1     SUCCEEDED  0.01');
    expect(out).not.toContain('learn');
    expect(out).not.toContain('acc');
  });

  it('refuses an unknown loop or metric naming the ones there are (bad usage)', () => {
    expect(() => renderMetrics(run, { loop: 'nope' })).toThrow(new UsageError(`run ${run.runId} has no iterations of loop "nope" (its loops: learn)`));
    expect(() => renderMetrics(run, { metric: 'f1' })).toThrow(new UsageError(`no metric "f1" in run ${run.runId} (its metrics: acc, loss)`));
    expect(() => renderMetrics(run, { metric: 'f1' })).toThrow(UsageError);
  });

  it('says so when the run has no iterations yet', () => {
    expect(renderMetrics(aWorkflow())).toBe(`run ${run.runId} (al) has no loop iterations yet\n`);
  });
});

describe('renderComparison', () => {
  it('puts runs side by side with their final metrics, then each metric per iteration', () => {
    const a = aWorkflow({ runId: 'aaaaaaaa-1', state: pb.WorkflowState.WORKFLOW_STATE_SUCCEEDED, endTime: at(90), iterations: learn([0.5, 0.9]) });
    const b = aWorkflow({
      runId: 'bbbbbbbb-2',
      state: pb.WorkflowState.WORKFLOW_STATE_FAILED,
      endTime: at(200),
      iterations: learn([0.4, 0.6, 0.7], 'max-iterations'),
    });
    expect(plain(renderComparison([a, b], at(300).getTime()))).toBe(
      [
        '            aaaaaaaa             bbbbbbbb',
        'name        al                   al',
        'state       SUCCEEDED            FAILED',
        'created     2026-01-01 10:00:00  2026-01-01 10:00:00',
        'duration    1m30s                3m20s',
        'iterations  2                    3',
        'stop        condition            max-iterations',
        'acc         0.9                  0.7',
        'loss        0.1                  0.3',
        '',
        'acc per iteration',
        'ITER  aaaaaaaa  bbbbbbbb',
        '1     0.5       0.4',
        '2     0.9       0.6',
        '3     -         0.7',
        '',
        'loss per iteration',
        'ITER  aaaaaaaa  bbbbbbbb',
        '1     0.5       0.6',
        '2     0.1       0.4',
        '3     -         0.3',
        '',
      ].join('\n'),
    );
  });

  it('keeps run ids long enough to tell apart, and labels metrics by loop when runs have several', () => {
    const a = aWorkflow({ runId: '12345678-aaaa', iterations: [anIteration('learn', 1, { metrics: { acc: 1 } })] });
    const b = aWorkflow({ runId: '12345678-bbbb', iterations: [anIteration('tune', 1, { metrics: { acc: 2 } })] });
    const out = plain(renderComparison([a, b], at(1).getTime()));
    expect(out.split('\n')[0]).toMatch(/^ +12345678-aaa +12345678-bbb$/);
    expect(out).toMatch(/\niterations +learn 1, tune 0 +learn 0, tune 1\n/);
    expect(out).toMatch(/\nlearn\/acc +1 +-\n/);
    expect(out).toMatch(/\ntune\/acc +- +2\n/);
  });

  it('says so when none of the runs has metrics', () => {
    expect(plain(renderComparison([aWorkflow({ runId: 'a' }), aWorkflow({ runId: 'b' })], at(1).getTime()))).toContain(
      'no metrics recorded in these runs',
    );
  });
});
