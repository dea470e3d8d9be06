import { CairnError, pb, type WorkflowRecord } from '@cairn/contracts';
import { isWatched, toListWorkflowsQuery, toPbWorkflow, toPbWorkflowEvent, toRequestId, toRunId } from './workflow.mapper';

const RUN: WorkflowRecord = {
  runId: '40000000-0000-4000-8000-000000000001',
  name: 'al',
  site: 'dev',
  fileName: 'al.yaml',
  state: 'FAILED',
  reason: 'step learn failed',
  createTime: '2026-11-25T10:00:00.000Z',
  updateTime: '2026-11-25T10:05:00.000Z',
  owner: { issuer: 'https://idp', subject: 'alice', name: 'alice', posixUser: 'alice' },
  account: 'genomics',
  endTime: '2026-11-25T10:05:00.000Z',
  steps: [
    {
      key: 'learn[2].sims',
      path: 'learn.sims',
      iteration: 2,
      kind: 'array',
      state: 'SKIPPED',
      attempt: 0,
      requeues: 0,
      items: { total: 0, succeeded: 0, failed: 0 },
      failedItems: [],
      jobIds: [],
      slurmJobIds: [],
      reason: 'needs learn[2].train, which failed',
    },
  ],
  iterations: [{ loop: 'learn', iteration: 1, state: 'SUCCEEDED', metrics: { 'val.acc': 0.5 }, decision: '{}', stop: '', startTime: '2026-11-25T10:00:01.000Z' }],
};

describe('workflow mapper', () => {
  it('maps a run with its steps and iterations, and leaves absent times unset', () => {
    const w = toPbWorkflow(RUN);
    expect(w).toMatchObject({ state: pb.WorkflowState.WORKFLOW_STATE_FAILED, endTime: new Date('2026-11-25T10:05:00.000Z'), plan: undefined });
    expect(w.steps[0]).toMatchObject({ kind: pb.StepKind.STEP_KIND_ARRAY, state: pb.StepState.STEP_STATE_SKIPPED, itemSeconds: 0, startTime: undefined });
    expect(w.iterations[0]).toMatchObject({ state: pb.StepState.STEP_STATE_SUCCEEDED, metrics: { 'val.acc': 0.5 }, endTime: undefined });
  });

  it('gives failed items their exit codes, and none for a record written before them', () => {
    const step = { ...(RUN.steps[0] as WorkflowRecord['steps'][number]), state: 'FAILED' as const, items: { total: 3, succeeded: 1, failed: 2 }, failedItems: [1, 2] };
    expect(toPbWorkflow({ ...RUN, steps: [{ ...step, failedItemExitCodes: [3, -1] }] }).steps[0]).toMatchObject({ failedItems: [1, 2], failedItemExitCodes: [3, -1] });
    expect(toPbWorkflow({ ...RUN, steps: [step] }).steps[0]?.failedItemExitCodes).toEqual([]);
  });

  it('gives each event the run state after it', () => {
    const step = RUN.steps[0];
    expect(toPbWorkflowEvent({ runId: RUN.runId, sequence: 4, time: RUN.updateTime, kind: 'step', ...(step ? { step } : {}) }, 'RUNNING')).toMatchObject({ sequence: 4, kind: 'step', state: pb.WorkflowState.WORKFLOW_STATE_RUNNING, reason: '' });
    expect(toPbWorkflowEvent({ runId: RUN.runId, sequence: 5, time: RUN.updateTime, kind: 'run', run: { state: 'CANCELLED', reason: 'cancelled on request' } }, 'RUNNING')).toMatchObject({ state: pb.WorkflowState.WORKFLOW_STATE_CANCELLED, reason: 'cancelled on request', step: undefined });
  });

  it('streams runs, steps and iterations to watchers, not the items events recorded for provenance', () => {
    expect((['run', 'step', 'iteration', 'items'] as const).filter((kind) => isWatched({ kind }))).toEqual(['run', 'step', 'iteration']);
  });

  it('returns the run a re-run re-ran (empty for any other run)', () => {
    expect(toPbWorkflow({ ...RUN, rerunOf: '40000000-0000-4000-8000-000000000002' }).rerunOf).toBe('40000000-0000-4000-8000-000000000002');
    expect(toPbWorkflow(RUN).rerunOf).toBe('');
  });

  it('checks list queries, run ids and request ids', () => {
    expect(toListWorkflowsQuery({ pageSize: 0, pageToken: '', states: [pb.WorkflowState.WORKFLOW_STATE_RUNNING], namePrefix: 'al' })).toEqual({ pageSize: 50, states: ['RUNNING'], namePrefix: 'al' });
    expect(() => toListWorkflowsQuery({ pageSize: 501, pageToken: '', states: [], namePrefix: '' })).toThrow(new CairnError('INVALID_ARGUMENT', 'page_size: must be at most 500'));
    expect(() => toListWorkflowsQuery({ pageSize: 1, pageToken: '', states: [99 as pb.WorkflowState], namePrefix: '' })).toThrow('states[0]: 99 is not a workflow state');
    expect(() => toRunId('nope')).toThrow(CairnError);
    expect(toRequestId('')).toBeUndefined();
    expect(() => toRequestId('a b')).toThrow(CairnError);
  });
});
