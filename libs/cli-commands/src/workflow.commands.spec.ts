import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pb } from '@cairn/contracts';
import { GatewayError, type WorkflowsClient } from '@cairn/client';
import { runCli } from './cli';
import { UsageError } from './cli.errors';
import { workflowCommands } from './workflow.commands';
import { aPlan, aStep, anIteration, at, aWorkflow, iterationEvent, plain, runEvent, stepEvent } from './workflow-fixtures';

const { WORKFLOW_STATE_SUCCEEDED, WORKFLOW_STATE_FAILED, WORKFLOW_STATE_CANCELLED, WORKFLOW_STATE_RUNNING } = pb.WorkflowState;
const RUN = '3f1c2a9e-0000-4000-8000-000000000001';

type Fake = { [K in 'submitWorkflow' | 'getWorkflow' | 'watchWorkflow' | 'cancelWorkflow' | 'listWorkflows']: jest.Mock };

/** A client where every call the test did not set up fails the test. */
function strictClient(setup: Partial<Fake>): Fake {
  const refuse = (name: string) => jest.fn(() => Promise.reject(new Error(`unexpected call: ${name}`)));
  return {
    submitWorkflow: setup.submitWorkflow ?? refuse('submitWorkflow'),
    getWorkflow: setup.getWorkflow ?? refuse('getWorkflow'),
    watchWorkflow: setup.watchWorkflow ?? refuse('watchWorkflow'),
    cancelWorkflow: setup.cancelWorkflow ?? refuse('cancelWorkflow'),
    listWorkflows: setup.listWorkflows ?? refuse('listWorkflows'),
  };
}

async function* stream(events: pb.WatchWorkflowResponse[]): AsyncGenerator<pb.WatchWorkflowResponse> {
  yield* events;
}

async function run(args: string[], client: Fake, abort = new AbortController()) {
  const output: string[] = [];
  let exitCode = 0;
  const command = workflowCommands({
    out: { write: (s) => void output.push(s), isTTY: false },
    client: () => client as unknown as WorkflowsClient,
    setExitCode: (code) => {
      exitCode = code;
    },
    signal: abort.signal,
    now: () => at(100).getTime(),
  }).exitOverride();
  await command.parseAsync(args, { from: 'user' });
  return { out: plain(output.join('')), exitCode };
}

const finished = (state: pb.WorkflowState, reason = '') => [
  stepEvent(aStep('prep', { state: pb.StepState.STEP_STATE_RUNNING, attempt: 1 })),
  runEvent(state, reason, at(90)),
];

describe('cairn workflow submit', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'wf-cli-')), 'al.yaml');
  writeFileSync(file, 'version: 1\nname: al\n');
  const submitted = { plan: aPlan(), workflow: aWorkflow() };

  it('sends the file with its name, site and request id, and prints the run id and a summary', async () => {
    const client = strictClient({ submitWorkflow: jest.fn().mockResolvedValue(submitted) });
    const { out, exitCode } = await run(['submit', file, '--site', 'hpc2', '--request-id', 'k-1'], client);
    expect(client.submitWorkflow).toHaveBeenCalledWith({ source: 'version: 1\nname: al\n', fileName: 'al.yaml', site: 'hpc2', requestId: 'k-1' });
    expect(out).toBe(`submitted ${RUN} al on hpc1: 4 steps, 4 Slurm jobs per pass\n`);
    expect(exitCode).toBe(0);
  });

  it('with --watch follows the run it started and exits 0 when it succeeds', async () => {
    const client = strictClient({
      submitWorkflow: jest.fn().mockResolvedValue(submitted),
      watchWorkflow: jest.fn(() => stream(finished(WORKFLOW_STATE_SUCCEEDED))),
    });
    const { out, exitCode } = await run(['submit', file, '--watch'], client);
    expect(client.watchWorkflow).toHaveBeenCalledWith(RUN, expect.any(AbortSignal));
    expect(out.split('\n')[1]).toBe(`watching ${RUN} (al)`);
    expect(out).toContain(`✔ run ${RUN} SUCCEEDED after 1m30s\n`);
    expect(exitCode).toBe(0);
  });

  it('refuses an unreadable file before calling the gateway', async () => {
    await expect(run(['submit', '/nonexistent/x.yaml'], strictClient({}))).rejects.toThrow('cannot read /nonexistent/x.yaml: no such file');
  });
});

describe('cairn workflow watch', () => {
  const watching = (events: pb.WatchWorkflowResponse[] | (() => AsyncGenerator<pb.WatchWorkflowResponse>)) =>
    strictClient({
      getWorkflow: jest.fn().mockResolvedValue(aWorkflow({ plan: aPlan() })),
      watchWorkflow: jest.fn(typeof events === 'function' ? events : () => stream(events)),
    });

  it.each([
    [WORKFLOW_STATE_SUCCEEDED, 0],
    [WORKFLOW_STATE_FAILED, 1],
    [WORKFLOW_STATE_CANCELLED, 1],
  ])('exits by how the run ended (%s → %d)', async (state, code) => {
    const { exitCode } = await run(['watch', RUN], watching(finished(state)));
    expect(exitCode).toBe(code);
  });

  it('logs where the run stands from the stream, with the loop budget from the plan', async () => {
    const loop = aStep('learn', { kind: pb.StepKind.STEP_KIND_LOOP, state: pb.StepState.STEP_STATE_RUNNING, attempt: 1 });
    const client = strictClient({
      getWorkflow: jest.fn().mockResolvedValue(aWorkflow({ plan: aPlan(8), steps: [loop] })),
      watchWorkflow: jest.fn(() =>
        stream([stepEvent(loop), iterationEvent(anIteration('learn', 1, { metrics: { acc: 0.5 } })), runEvent(WORKFLOW_STATE_SUCCEEDED, '', at(90))]),
      ),
    });
    const { out } = await run(['watch', RUN], client);
    expect(out).toContain('\n  10:00:00  step learn RUNNING\n  10:00:00  iteration learn[1] SUCCEEDED  acc=0.5\n');
    expect(out).toMatch(/\nlearn +loop +RUNNING +██▌░{17} +1\/8 iterations\n/);
  });

  it('exits 1 when the stream ends before the run does', async () => {
    const { out, exitCode } = await run(['watch', RUN], watching([stepEvent(aStep('prep'))]));
    expect(out).toContain('watch ended before the run did (last state RUNNING)\n');
    expect(exitCode).toBe(1);
  });

  it('on Ctrl-C stops watching, not the run, and exits 130', async () => {
    const abort = new AbortController();
    const client = watching(async function* () {
      yield stepEvent(aStep('prep'));
      abort.abort(); // what SIGINT does; the client then ends the stream quietly
    });
    const { out, exitCode } = await run(['watch', RUN], client, abort);
    expect(client.cancelWorkflow).not.toHaveBeenCalled();
    expect(out).toContain(`stopped watching; the run goes on (cairn workflow cancel ${RUN} stops it)\n`);
    expect(exitCode).toBe(130);
  });

  it('passes a broken stream on as its error, after the last frame', async () => {
    const client = watching(async function* () {
      yield runEvent(WORKFLOW_STATE_RUNNING);
      throw new GatewayError(14, 'UNAVAILABLE', 'gateway unreachable');
    });
    const output: string[] = [];
    const command = workflowCommands({
      out: { write: (s) => void output.push(s), isTTY: false },
      client: () => client as unknown as WorkflowsClient,
      setExitCode: () => undefined,
      signal: new AbortController().signal,
    });
    await expect(command.parseAsync(['watch', RUN], { from: 'user' })).rejects.toThrow('gateway unreachable');
    expect(plain(output.join(''))).toContain(`run ${RUN} is RUNNING\n`);
  });
});

describe('cairn workflow get, cancel, list, metrics, compare', () => {
  it('get prints the run, or its JSON', async () => {
    const client = strictClient({ getWorkflow: jest.fn().mockResolvedValue(aWorkflow({ steps: [aStep('prep')] })) });
    expect((await run(['get', RUN], client)).out).toMatch(/^run {7}3f1c2a9e[\s\S]*\nprep +run +WAITING/);
    const json = JSON.parse((await run(['get', RUN, '--json'], client)).out) as { runId: string; steps: unknown[] };
    expect(json).toMatchObject({ runId: RUN, steps: [{ key: 'prep' }] });
    expect(client.getWorkflow).toHaveBeenCalledWith(RUN);
  });

  it('cancel asks the gateway and says what the run is now', async () => {
    const client = strictClient({ cancelWorkflow: jest.fn().mockResolvedValue(aWorkflow()) });
    expect((await run(['cancel', RUN], client)).out).toBe(`cancel requested for ${RUN} (now RUNNING)\n`);
    expect(client.cancelWorkflow).toHaveBeenCalledWith(RUN);
  });

  it('list filters by states, name prefix and page size, and tells how to get the next page', async () => {
    const client = strictClient({ listWorkflows: jest.fn().mockResolvedValue({ workflows: [aWorkflow()], nextPageToken: 'p2' }) });
    const { out } = await run(['list', '--state', 'failed', '--state', 'Cancelled', '--name', 'al', '--limit', '5'], client);
    expect(client.listWorkflows).toHaveBeenCalledWith({ pageSize: 5, pageToken: '', states: [WORKFLOW_STATE_FAILED, WORKFLOW_STATE_CANCELLED], namePrefix: 'al' });
    expect(out).toMatch(/^RUN +NAME +STATE[^\n]*\n3f1c2a9e-0000-4000-8000-000000000001 +al +RUNNING/);
    expect(out.endsWith('more: --page-token p2\n')).toBe(true);
  });

  it('metrics narrows to the loop and metric asked for', async () => {
    const iterations = [anIteration('learn', 1, { metrics: { acc: 0.5, loss: 0.5 } }), anIteration('tune', 1, { metrics: { lr: 0.1 } })];
    const client = strictClient({ getWorkflow: jest.fn().mockResolvedValue(aWorkflow({ iterations })) });
    const { out } = await run(['metrics', RUN, '--loop', 'learn', '--metric', 'acc'], client);
    expect(out).toMatch(/^learn: 1 iteration\n/);
    expect(out).toContain('acc  min 0.5');
    expect(out).not.toContain('loss');
    expect(out).not.toContain('tune');
  });

  it('compare fetches every run and needs two or more', async () => {
    const client = strictClient({ getWorkflow: jest.fn((id: string) => Promise.resolve(aWorkflow({ runId: id }))) });
    const { out } = await run(['compare', 'aaaaaaaa-1', 'bbbbbbbb-2', 'cccccccc-3'], client);
    expect(client.getWorkflow.mock.calls).toEqual([['aaaaaaaa-1'], ['bbbbbbbb-2'], ['cccccccc-3']]);
    expect(out.split('\n')[0]).toMatch(/^ +aaaaaaaa +bbbbbbbb +cccccccc$/);
    await expect(run(['compare', 'aaaaaaaa-1'], strictClient({}))).rejects.toThrow(UsageError);
  });
});

describe('runCli for workflows', () => {
  const cli = async (...argv: string[]) => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const sink = (into: string[]) => ({ write: (s: string) => into.push(s) > 0, on: () => undefined, isTTY: false }) as unknown as NodeJS.WriteStream;
    const code = await runCli(argv, { stdout: sink(stdout), stderr: sink(stderr) });
    return { code, stdout: stdout.join(''), stderr: stderr.join('') };
  };

  it('reports bad usage in one line with exit 2, before calling the gateway', async () => {
    expect(await cli('workflow', 'compare', RUN)).toEqual({ code: 2, stdout: '', stderr: 'cairn: compare needs two or more runs\n' });
    const badState = await cli('workflow', 'list', '--state', 'done');
    expect(badState.code).toBe(2);
    expect(badState.stderr).toContain('"done" is not a run state (running, succeeded, failed, cancelled)');
    expect(badState.stderr.trim().split('\n')).toHaveLength(1);
  });
});
