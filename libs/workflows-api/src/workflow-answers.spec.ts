import fc from 'fast-check';
import { LOOP_STOPS, pb, STEP_STATES, WORKFLOW_STATES, type WorkflowRecord } from '@cairn/contracts';
import type { RunsPage } from './workflow-read-memory';
import { runAnswers, runsPageAnswers, workflowServiceDefinition } from './workflow-answers';
import { toPbWorkflow } from './workflow.mapper';

const text = fc.string({ maxLength: 16 });
const time = fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString());

const runArb: fc.Arbitrary<WorkflowRecord> = fc.record({
  runId: fc.uuid(),
  name: text,
  site: text,
  fileName: text,
  state: fc.constantFrom(...WORKFLOW_STATES),
  reason: text,
  createTime: time,
  updateTime: time,
  owner: fc.record({ issuer: text, subject: text, name: text, posixUser: text }),
  account: text,
  steps: fc.array(
    fc.record({
      key: text,
      path: text,
      iteration: fc.nat(20),
      kind: fc.constantFrom('run' as const, 'array' as const, 'loop' as const),
      state: fc.constantFrom(...STEP_STATES),
      attempt: fc.nat(5),
      requeues: fc.nat(5),
      items: fc.record({ total: fc.nat(1000), succeeded: fc.nat(1000), failed: fc.nat(1000) }),
      failedItems: fc.array(fc.nat(1000), { maxLength: 3 }),
      jobIds: fc.array(fc.uuid(), { maxLength: 2 }),
      slurmJobIds: fc.array(text, { maxLength: 2 }),
      reason: text,
    }),
    { maxLength: 3 },
  ),
  iterations: fc.array(
    fc.record({ loop: text, iteration: fc.integer({ min: 1, max: 20 }), state: fc.constantFrom('RUNNING' as const, 'SUCCEEDED' as const, 'FAILED' as const), metrics: fc.dictionary(text, fc.double({ noNaN: true, noDefaultInfinity: true })), decision: text, stop: fc.constantFrom('' as const, ...LOOP_STOPS), startTime: time }),
    { maxLength: 2 },
  ),
}) as fc.Arbitrary<WorkflowRecord>;

const pageArb: fc.Arbitrary<RunsPage> = fc.record({ workflows: fc.array(runArb, { maxLength: 4 }), nextPageToken: text });

describe('GetWorkflow and ListWorkflows answers of kept records and pages', () => {
  it('are the generated encoders\' bytes, the first time and every time after, through the service definition', () => {
    fc.assert(
      fc.property(runArb, pageArb, (run, page) => {
        const runBytes = Buffer.from(pb.GetWorkflowResponse.encode({ workflow: toPbWorkflow(run) }).finish());
        const pageBytes = Buffer.from(pb.ListWorkflowsResponse.encode({ workflows: page.workflows.map(toPbWorkflow), nextPageToken: page.nextPageToken }).finish());
        for (let i = 0; i < 2; i += 1) {
          expect(workflowServiceDefinition.getWorkflow.responseSerialize(runAnswers.answer(run)).equals(runBytes)).toBe(true);
          expect(workflowServiceDefinition.listWorkflows.responseSerialize(runsPageAnswers.answer(page)).equals(pageBytes)).toBe(true);
        }
        expect(runAnswers.answer(run)).toBe(runAnswers.answer(run));
        expect(runsPageAnswers.serialize(runsPageAnswers.answer(page))).toBe(runsPageAnswers.serialize(runsPageAnswers.answer(page)));
      }),
      { numRuns: 150 },
    );
  });

  it('leave the other methods\' serializers as generated', () => {
    expect(workflowServiceDefinition.submitWorkflow).toBe(pb.WorkflowServiceService.submitWorkflow);
    expect(workflowServiceDefinition.cancelWorkflow).toBe(pb.WorkflowServiceService.cancelWorkflow);
    expect(workflowServiceDefinition.watchWorkflow).toBe(pb.WorkflowServiceService.watchWorkflow);
  });
});
