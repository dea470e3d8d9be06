import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { LoopIterationSchema, StepKind, StepState, WorkflowSchema, WorkflowStepSchema } from '@cairn/portal-client';
import { arrayProgress, decisionText, failedItemsText, iterationSeries, loopsOf, metricNames, metricText, stopText } from './run-model';

const iteration = (loop: string, n: number, metrics: Record<string, number>) => create(LoopIterationSchema, { loop, iteration: n, metrics, state: StepState.SUCCEEDED });

describe('iterationSeries', () => {
  it('gives one series per metric of a loop, x = iteration, in iteration order', () => {
    const its = [iteration('learn', 2, { acc: 0.8, loss: 0.4 }), iteration('learn', 1, { acc: 0.6, loss: 0.9 }), iteration('other', 1, { f1: 0.1 }), iteration('learn', 3, { acc: 0.85 })];
    expect(iterationSeries(its, 'learn')).toEqual([
      { name: 'acc', points: [[1, 0.6], [2, 0.8], [3, 0.85]] },
      { name: 'loss', points: [[1, 0.9], [2, 0.4]] },
    ]);
    expect(loopsOf(its)).toEqual(['learn', 'other']);
    expect(metricNames(its)).toEqual(['acc', 'f1', 'loss']);
  });

  it('leaves out values that are not finite, and a metric named like an Object property is just a metric', () => {
    const its = [iteration('l', 1, { nan: Number.NaN, constructor: 3, __proto__x: 5 }), iteration('l', 2, { nan: 1 })];
    expect(iterationSeries(its, 'l')).toEqual([
      { name: '__proto__x', points: [[1, 5]] },
      { name: 'constructor', points: [[1, 3]] },
      { name: 'nan', points: [[2, 1]] },
    ]);
    expect(iterationSeries([iteration('l', 1, {})], 'l')).toEqual([]);
  });

  it('leaves out a metric that is just the iteration number (it would only repeat the x axis)', () => {
    const its = [iteration('l', 1, { iteration: 1, acc: 0.5, step: 1 }), iteration('l', 2, { iteration: 2, acc: 0.7, step: 1 })];
    expect(iterationSeries(its, 'l').map((s) => s.name)).toEqual(['acc', 'step']);
  });
});

describe('arrayProgress and failedItemsText', () => {
  const workflow = create(WorkflowSchema, {
    steps: [
      create(WorkflowStepSchema, { key: 'prep', kind: StepKind.RUN, state: StepState.SUCCEEDED }),
      create(WorkflowStepSchema, { key: 'score', kind: StepKind.ARRAY, state: StepState.RUNNING, items: { total: 100, succeeded: 37, failed: 2 }, failedItems: [3, 17], jobIds: ['j1', 'j2'], reason: '' }),
      create(WorkflowStepSchema, { key: 'learn[1].score', kind: StepKind.ARRAY, state: StepState.FAILED, items: { total: 500, succeeded: 350, failed: 150 }, failedItems: Array.from({ length: 100 }, (_, i) => i), reason: '150 of 500 items failed (0, 1, ...)' }),
    ],
  });

  it('lists the array steps with done, failed and running (only while the step runs) and their latest job', () => {
    expect(arrayProgress(workflow).map((a) => [a.key, a.state, a.total, a.done, a.failed, a.running, a.jobHref])).toEqual([
      ['score', 'RUNNING', 100, 37, 2, 61, '/jobs/j2'],
      ['learn[1].score', 'FAILED', 500, 350, 150, 0, undefined],
    ]);
  });

  it('names the failed items, and how many more the API did not list', () => {
    const [score, learn] = arrayProgress(workflow);
    expect(score?.failedText).toBe('Failed items, by index: 3, 17');
    expect(learn?.failedText).toMatch(/^Failed items, by index: 0, 1, 2, .*, 99 and 50 more$/);
    expect(failedItemsText(create(WorkflowStepSchema, { items: { total: 1, failed: 1 }, failedItems: [0] }))).toBe('Failed item, by index: 0');
    expect(failedItemsText(create(WorkflowStepSchema, { items: { total: 4, failed: 2 } }))).toBe('2 items failed');
    expect(failedItemsText(create(WorkflowStepSchema, { items: { total: 4 } }))).toBe('');
  });

  it('gives each failed item its exit status when the API has them (-1: none reported)', () => {
    expect(failedItemsText(create(WorkflowStepSchema, { items: { total: 9, failed: 3 }, failedItems: [1, 4], failedItemExitCodes: [3, -1] }))).toBe('Failed items, by index: 1 (exit 3), 4 (no exit status) and 1 more');
    // Codes that do not match the items one for one are not guessed at.
    expect(failedItemsText(create(WorkflowStepSchema, { items: { total: 9, failed: 2 }, failedItems: [1, 4], failedItemExitCodes: [3] }))).toBe('Failed items, by index: 1, 4');
  });
});

describe('cell texts', () => {
  it('says why a loop stopped in words', () => {
    expect(stopText('condition')).toBe('condition met');
    expect(stopText('max-iterations')).toBe('iteration budget reached');
    expect(stopText('max-wall-time')).toBe('wall-time budget spent');
    expect(stopText('')).toBe('');
    expect(stopText('something-new')).toBe('something-new');
  });

  it('shortens a long decision and formats metrics', () => {
    expect(decisionText(' {"a":1} ')).toBe('{"a":1}');
    expect(decisionText('{\n  "batch": [\n    1,\n    2\n  ]\n}')).toBe('{"batch":[1,2]}');
    expect(decisionText('not json\n  at all')).toBe('not json at all');
    const long = decisionText(`{"x":"${'y'.repeat(500)}"}`);
    expect([...long]).toHaveLength(80);
    expect(long.endsWith('…')).toBe(true);
    expect(metricText(0.123456789)).toBe('0.123457');
    expect(metricText(42)).toBe('42');
    expect(metricText(undefined)).toBe('–');
    expect(metricText(Number.POSITIVE_INFINITY)).toBe('–');
  });
});
