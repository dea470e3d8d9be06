import { join } from 'node:path';
import { pb } from '@cairn/contracts';
import { WorkflowsClient } from '@cairn/client';
import { type CairnStack, startCairnStack } from '@cairn/testing';

/**
 * A whole Cairn stack for one spec file (started before its tests, stopped after), with a
 * WorkflowsClient and the path of a run's directory on the site.
 */
export function useWorkflowStack(): { stack: () => CairnStack; client: () => WorkflowsClient; runDir: (runId: string, ...rest: string[]) => string } {
  let stack: CairnStack | undefined;
  let client: WorkflowsClient | undefined;
  beforeAll(async () => {
    stack = await startCairnStack();
    client = new WorkflowsClient(stack.grpcAddress, stack.clientOptions());
  });
  afterAll(async () => {
    client?.close();
    await stack?.stop();
  });
  const need = <T>(value: T | undefined): T => {
    if (!value) throw new Error('the stack is not started');
    return value;
  };
  return {
    stack: () => need(stack),
    client: () => need(client),
    runDir: (runId, ...rest) => join(need(stack).dir, 'agent', 'runs', runId, ...rest),
  };
}

export const runState = (s: pb.WorkflowState) => pb.WorkflowState[s].replace('WORKFLOW_STATE_', '');
export const stepState = (s: pb.StepState) => pb.StepState[s].replace('STEP_STATE_', '');

/** Submits a workflow file's text and returns the run id. */
export async function startRun(client: WorkflowsClient, source: string, fileName = 'wf.yaml', requestId = ''): Promise<string> {
  const { workflow } = await client.submitWorkflow({ source, fileName, requestId });
  if (!workflow) throw new Error('no workflow in SubmitWorkflowResponse');
  return workflow.runId;
}

/** Polls GetWorkflow until `done` holds for the run (or the timeout passes). */
export async function waitForRun(client: WorkflowsClient, runId: string, done: (w: pb.Workflow) => boolean, timeoutMs = 120_000): Promise<pb.Workflow> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await client.getWorkflow(runId);
    if (done(run)) return run;
    if (Date.now() > deadline) {
      const steps = run.steps.map((s) => `${s.key}=${stepState(s.state)}${s.reason ? ` (${s.reason})` : ''}`).join(', ');
      throw new Error(`run ${runId} is ${runState(run.state)} after ${timeoutMs} ms: ${steps} ${run.reason}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

export const ended = (w: pb.Workflow) => w.state !== pb.WorkflowState.WORKFLOW_STATE_RUNNING;

export function stepOf(run: pb.Workflow, key: string): pb.WorkflowStep {
  const step = run.steps.find((s) => s.key === key);
  if (!step) throw new Error(`run ${run.runId} has no step ${key} (it has ${run.steps.map((s) => s.key).join(', ')})`);
  return step;
}

/** Follows WatchWorkflow to its end. */
export async function watchRun(client: WorkflowsClient, runId: string): Promise<pb.WatchWorkflowResponse[]> {
  const events: pb.WatchWorkflowResponse[] = [];
  for await (const event of client.watchWorkflow(runId)) events.push(event);
  return events;
}
