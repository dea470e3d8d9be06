import fc from 'fast-check';
import { jsonBytes, type StepRecord, type WorkflowRecord } from '@cairn/contracts';
import { boundWorkflowRecord } from './record-budget';

const step = (i: number, pad: number): StepRecord => ({
  key: `learn[${i}].train`,
  path: 'learn.train',
  iteration: i,
  kind: 'run',
  state: 'SUCCEEDED',
  attempt: 1,
  requeues: 0,
  items: { total: 0, succeeded: 0, failed: 0 },
  failedItems: [],
  jobIds: [],
  slurmJobIds: [],
  reason: 'r'.repeat(pad),
});

const run = (steps: StepRecord[], iterations: number): WorkflowRecord => ({
  runId: '00000000-0000-4000-8000-000000000001',
  name: 'w',
  site: 'hpc1',
  fileName: 'w.yaml',
  state: 'RUNNING',
  reason: '',
  createTime: '2026-01-01T00:00:00.000Z',
  updateTime: '2026-01-01T00:00:00.000Z',
  owner: { issuer: 'https://idp', subject: 'alice', name: 'alice', posixUser: 'alice' },
  account: 'genomics',
  steps,
  iterations: Array.from({ length: iterations }, (_, k) => ({ loop: 'learn', iteration: k + 1, state: 'SUCCEEDED', metrics: { acc: 0.5 }, decision: '', stop: '', startTime: '2026-01-01T00:00:00.000Z' })),
});

describe('boundWorkflowRecord', () => {
  it('keeps a record that fits as it is', () => {
    const record = run([step(1, 10)], 1);
    expect(boundWorkflowRecord(record, 10_000)).toBe(record);
  });

  it('leaves out the oldest step instances and iterations until the record fits, and counts them', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 80 }), fc.integer({ min: 0, max: 80 }), fc.integer({ min: 2000, max: 40_000 }), (pads, iterations, max) => {
        const record = run(pads.map((p, i) => step(i, p)), iterations);
        const bounded = boundWorkflowRecord(record, max);
        expect(jsonBytes(bounded)).toBeLessThanOrEqual(Math.max(max, jsonBytes({ ...record, steps: [], iterations: [], omittedSteps: pads.length, omittedIterations: iterations })));
        const omittedSteps = bounded.omittedSteps ?? 0;
        const omittedIterations = bounded.omittedIterations ?? 0;
        expect(bounded.steps).toEqual(record.steps.slice(omittedSteps));
        expect(bounded.iterations).toEqual(record.iterations.slice(omittedIterations));
      }),
      { numRuns: 200 },
    );
  });

  it('answers GetWorkflow for a loop of 10,000 iterations within one reply', () => {
    const record = run(Array.from({ length: 30_000 }, (_, i) => step(i, 0)), 10_000);
    expect(jsonBytes(record)).toBeGreaterThan(1024 * 1024);
    const bounded = boundWorkflowRecord(record);
    expect(jsonBytes(bounded)).toBeLessThanOrEqual(768 * 1024);
    expect(bounded.omittedSteps).toBeGreaterThan(0);
    expect(bounded.steps.at(-1)).toEqual(record.steps.at(-1));
    expect(bounded.iterations.at(-1)).toEqual(record.iterations.at(-1));
  });
});
