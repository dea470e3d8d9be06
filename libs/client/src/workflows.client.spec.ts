import { Server, ServerCredentials, type ServerWritableStream, status } from '@grpc/grpc-js';
import { pb } from '@cairn/contracts';
import { GatewayError } from './gateway-call';
import { WorkflowsClient } from './workflows.client';

const RUN = '3f1c2a9e-0000-4000-8000-000000000001';
const workflow = (state = pb.WorkflowState.WORKFLOW_STATE_RUNNING): pb.Workflow => ({
  runId: RUN,
  name: 'al',
  site: 'hpc1',
  fileName: 'al.yaml',
  state,
  reason: '',
  createTime: new Date('2026-01-01T10:00:00Z'),
  updateTime: undefined,
  endTime: undefined,
  steps: [],
  iterations: [],
  plan: undefined,
  omittedSteps: 0,
  omittedIterations: 0,
  owner: undefined,
  account: '',
  rerunOf: '',
});
const event = (sequence: number, kind: string, state = pb.WorkflowState.WORKFLOW_STATE_RUNNING): pb.WatchWorkflowResponse => ({
  sequence,
  kind,
  state,
  reason: '',
  step: undefined,
  iteration: undefined,
  time: new Date('2026-01-01T10:00:00Z'),
});

type Unary<Req, Res> = (call: { request: Req }, callback: (error: { code: number; details: string } | null, response?: Res) => void) => void;
interface Handlers {
  submitWorkflow?: Unary<pb.SubmitWorkflowRequest, pb.SubmitWorkflowResponse>;
  getWorkflow?: Unary<pb.GetWorkflowRequest, pb.GetWorkflowResponse>;
  cancelWorkflow?: Unary<pb.CancelWorkflowRequest, pb.CancelWorkflowResponse>;
  listWorkflows?: Unary<pb.ListWorkflowsRequest, pb.ListWorkflowsResponse>;
  watchWorkflow?: (call: ServerWritableStream<pb.WatchWorkflowRequest, pb.WatchWorkflowResponse>) => void;
}

describe('WorkflowsClient [real: grpc-js server in this process]', () => {
  let server: Server;
  let client: WorkflowsClient;
  let handlers: Handlers;

  beforeAll(async () => {
    server = new Server();
    const unimplemented = (name: keyof Handlers) => (call: unknown, callback?: (e: unknown) => void) => {
      const handler = handlers[name] as ((c: unknown, cb?: (e: unknown) => void) => void) | undefined;
      if (handler) return handler(call, callback);
      const error = { code: status.UNIMPLEMENTED, details: `${name} not set up in this test` };
      if (callback) return callback(error);
      (call as ServerWritableStream<unknown, unknown>).emit('error', error);
    };
    server.addService(pb.WorkflowServiceService, {
      submitWorkflow: unimplemented('submitWorkflow'),
      getWorkflow: unimplemented('getWorkflow'),
      cancelWorkflow: unimplemented('cancelWorkflow'),
      listWorkflows: unimplemented('listWorkflows'),
      watchWorkflow: unimplemented('watchWorkflow'),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    client = new WorkflowsClient(`127.0.0.1:${port}`);
  });

  beforeEach(() => {
    handlers = {};
  });

  afterAll(() => {
    client?.close();
    server?.forceShutdown();
  });

  it('submits with the request id (and defaults for what is left out)', async () => {
    const received: pb.SubmitWorkflowRequest[] = [];
    handlers.submitWorkflow = ({ request }, callback) => {
      received.push(request);
      callback(null, { plan: undefined, workflow: workflow() });
    };
    const response = await client.submitWorkflow({ source: 'version: 1', requestId: 'key-1' });
    expect(received).toEqual([{ source: 'version: 1', fileName: '', dryRun: false, site: '', requestId: 'key-1', account: '' }]);
    expect(response.workflow).toEqual(workflow());
  });

  it('gets, cancels and lists runs', async () => {
    const asked: string[] = [];
    handlers.getWorkflow = ({ request }, callback) => {
      asked.push(`get ${request.runId}`);
      callback(null, { workflow: workflow() });
    };
    handlers.cancelWorkflow = ({ request }, callback) => {
      asked.push(`cancel ${request.runId}`);
      callback(null, { workflow: workflow(pb.WorkflowState.WORKFLOW_STATE_CANCELLED) });
    };
    let listed: pb.ListWorkflowsRequest | undefined;
    handlers.listWorkflows = ({ request }, callback) => {
      listed = request;
      callback(null, { workflows: [workflow()], nextPageToken: 'next' });
    };
    expect(await client.getWorkflow(RUN)).toEqual(workflow());
    expect((await client.cancelWorkflow(RUN)).state).toBe(pb.WorkflowState.WORKFLOW_STATE_CANCELLED);
    expect(await client.listWorkflows({ states: [pb.WorkflowState.WORKFLOW_STATE_FAILED] })).toEqual({ workflows: [workflow()], nextPageToken: 'next' });
    expect(asked).toEqual([`get ${RUN}`, `cancel ${RUN}`]);
    expect(listed).toEqual({ pageSize: 0, pageToken: '', states: [pb.WorkflowState.WORKFLOW_STATE_FAILED], namePrefix: '' });
  });

  it('turns gateway errors, and a reply without its run, into GatewayErrors', async () => {
    handlers.getWorkflow = ({ request }, callback) => callback({ code: status.NOT_FOUND, details: `no run ${request.runId}` });
    await expect(client.getWorkflow(RUN)).rejects.toEqual(new GatewayError(status.NOT_FOUND, 'NOT_FOUND', `no run ${RUN}`));
    await expect(client.getWorkflow(RUN)).rejects.toMatchObject({ name: 'GatewayError', codeName: 'NOT_FOUND' });
    handlers.cancelWorkflow = (_, callback) => callback(null, { workflow: undefined });
    await expect(client.cancelWorkflow(RUN)).rejects.toMatchObject({ codeName: 'INTERNAL', message: 'the gateway returned no workflow' });
  });

  it('streams every event of a watch and ends when the server ends the stream', async () => {
    let asked = '';
    handlers.watchWorkflow = (call) => {
      asked = call.request.runId;
      call.write(event(1, 'step'));
      call.write(event(2, 'iteration'));
      call.write(event(3, 'run', pb.WorkflowState.WORKFLOW_STATE_SUCCEEDED));
      call.end();
    };
    const seen: pb.WatchWorkflowResponse[] = [];
    for await (const e of client.watchWorkflow(RUN)) seen.push(e);
    expect(asked).toBe(RUN);
    expect(seen.map((e) => [e.sequence, e.kind, e.state])).toEqual([
      [1, 'step', pb.WorkflowState.WORKFLOW_STATE_RUNNING],
      [2, 'iteration', pb.WorkflowState.WORKFLOW_STATE_RUNNING],
      [3, 'run', pb.WorkflowState.WORKFLOW_STATE_SUCCEEDED],
    ]);
  });

  it('throws a GatewayError when the watch fails, after the events before it', async () => {
    handlers.watchWorkflow = (call) => {
      call.write(event(1, 'step'));
      setTimeout(() => call.emit('error', { code: status.UNAVAILABLE, details: 'the gateway is shutting down' }), 20);
    };
    const seen: number[] = [];
    const failure = await (async () => {
      for await (const e of client.watchWorkflow(RUN)) seen.push(e.sequence);
    })().catch((error: unknown) => error);
    expect(seen).toEqual([1]);
    expect(failure).toEqual(new GatewayError(status.UNAVAILABLE, 'UNAVAILABLE', 'the gateway is shutting down'));
  });

  it('ends quietly and cancels the call when the signal aborts, or when the caller stops reading', async () => {
    let cancelled = 0;
    handlers.watchWorkflow = (call) => {
      call.on('cancelled', () => (cancelled += 1));
      call.write(event(1, 'step'));
    };
    const abort = new AbortController();
    const seen: number[] = [];
    for await (const e of client.watchWorkflow(RUN, abort.signal)) {
      seen.push(e.sequence);
      abort.abort();
    }
    expect(seen).toEqual([1]);
    for await (const e of client.watchWorkflow(RUN)) {
      seen.push(e.sequence);
      break;
    }
    expect(seen).toEqual([1, 1]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(cancelled).toBe(2);
    const already = new AbortController();
    already.abort();
    expect(await client.watchWorkflow(RUN, already.signal).next()).toEqual({ done: true, value: undefined });
  });

  it('says the gateway is unreachable when nothing listens', async () => {
    const nowhere = new WorkflowsClient('127.0.0.1:1');
    try {
      await expect(nowhere.getWorkflow(RUN)).rejects.toMatchObject({ name: 'GatewayError', codeName: 'UNAVAILABLE' });
      await expect(nowhere.watchWorkflow(RUN).next()).rejects.toMatchObject({ name: 'GatewayError', codeName: 'UNAVAILABLE' });
    } finally {
      nowhere.close();
    }
  });
});
