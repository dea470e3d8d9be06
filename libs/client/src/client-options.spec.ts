import { credentials, Metadata, Server, ServerCredentials, type ServerWritableStream, type ServiceError, type StatusObject, status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { pb } from '@cairn/contracts';
import { bearerCallCredentials, callMetadata, checkBearerToken, MAX_TOKEN_BYTES } from './client-options';
import { JobsClient } from './jobs.client';
import { WorkflowsClient } from './workflows.client';

const JOB = '3f1c2a9e-0000-4000-8000-000000000002';
const RUN = '3f1c2a9e-0000-4000-8000-000000000003';
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';

describe('ClientOptions.token [real: grpc-js server and clients over plaintext]', () => {
  let server: Server;
  let address: string;
  // The authorization values each call carried, in order.
  const seen: string[] = [];
  const record = (metadata: Metadata) => seen.push(metadata.get('authorization').map(String).join(',') || '(none)');
  const job = pb.Job.fromPartial({ jobId: JOB });

  beforeAll(async () => {
    server = new Server();
    const notFound = { code: status.NOT_FOUND, details: 'not here' };
    server.addService(pb.JobServiceService, {
      submitJob: (_call: unknown, callback: (e: Partial<StatusObject>) => void) => callback(notFound),
      getJob: (call: { metadata: Metadata }, callback: (e: ServiceError | null, r: pb.GetJobResponse) => void) => {
        record(call.metadata);
        callback(null, { job });
      },
      cancelJob: (_call: unknown, callback: (e: Partial<StatusObject>) => void) => callback(notFound),
      listJobs: (call: { metadata: Metadata }, callback: (e: ServiceError | null, r: pb.ListJobsResponse) => void) => {
        record(call.metadata);
        callback(null, { jobs: [], nextPageToken: '' });
      },
      getJobOutput: (_call: unknown, callback: (e: Partial<StatusObject>) => void) => callback(notFound),
      watchJob: (call: ServerWritableStream<pb.WatchJobRequest, pb.WatchJobResponse>) => {
        record(call.metadata);
        call.end();
      },
    });
    server.addService(pb.WorkflowServiceService, {
      submitWorkflow: (_call: unknown, callback: (e: Partial<StatusObject>) => void) => callback(notFound),
      getWorkflow: (call: { metadata: Metadata }, callback: (e: ServiceError | null, r: pb.GetWorkflowResponse) => void) => {
        record(call.metadata);
        callback(null, { workflow: pb.Workflow.fromPartial({ runId: RUN }) });
      },
      cancelWorkflow: (_call: unknown, callback: (e: Partial<StatusObject>) => void) => callback(notFound),
      listWorkflows: (_call: unknown, callback: (e: Partial<StatusObject>) => void) => callback(notFound),
      watchWorkflow: (call: ServerWritableStream<pb.WatchWorkflowRequest, pb.WatchWorkflowResponse>) => {
        record(call.metadata);
        call.end();
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    address = `127.0.0.1:${port}`;
  });

  beforeEach(() => {
    seen.length = 0;
  });

  afterAll(() => server?.forceShutdown());

  const drain = async <T>(stream: AsyncGenerator<T>) => {
    for await (const item of stream) void item;
  };

  it('sends a fixed token on every unary and streaming call of both clients', async () => {
    const jobs = new JobsClient(address, { token: TOKEN });
    const workflows = new WorkflowsClient(address, { token: TOKEN });
    try {
      await jobs.getJob(JOB);
      await jobs.listJobs({});
      await drain(jobs.watchJob(JOB));
      await workflows.getWorkflow(RUN);
      await drain(workflows.watchWorkflow(RUN));
    } finally {
      jobs.close();
      workflows.close();
    }
    expect(seen).toEqual(Array(5).fill(`Bearer ${TOKEN}`));
  });

  it('asks an async provider before every call, so a refreshed token is used from the next call on', async () => {
    let asked = 0;
    const jobs = new JobsClient(address, {
      token: async () => {
        asked += 1;
        await new Promise((resolve) => setImmediate(resolve));
        return `token-${asked}`;
      },
    });
    try {
      await jobs.getJob(JOB);
      await drain(jobs.watchJob(JOB));
      await jobs.getJob(JOB);
    } finally {
      jobs.close();
    }
    expect(asked).toBe(3);
    expect(seen).toEqual(['Bearer token-1', 'Bearer token-2', 'Bearer token-3']);
  });

  it('sends no authorization without a token', async () => {
    const jobs = new JobsClient(address);
    try {
      await jobs.getJob(JOB);
      await drain(jobs.watchJob(JOB));
    } finally {
      jobs.close();
    }
    expect(seen).toEqual(['(none)', '(none)']);
  });

  it("throws the provider's own error, and sends nothing, when it has no token", async () => {
    class NotLoggedIn extends Error {}
    const workflows = new WorkflowsClient(address, {
      token: () => {
        throw new NotLoggedIn('run cairn login');
      },
    });
    try {
      await expect(workflows.getWorkflow(RUN)).rejects.toBeInstanceOf(NotLoggedIn);
      await expect(workflows.watchWorkflow(RUN).next()).rejects.toBeInstanceOf(NotLoggedIn);
    } finally {
      workflows.close();
    }
    expect(seen).toEqual([]);
  });

  it('sends call credentials on a plaintext channel through the generated grpc-js client (per-call option)', async () => {
    const raw = new pb.JobServiceClient(address, credentials.createInsecure());
    const get = (callCredentials: ReturnType<typeof bearerCallCredentials>) =>
      new Promise<pb.GetJobResponse>((resolve, reject) =>
        raw.getJob({ jobId: JOB }, new Metadata(), { credentials: callCredentials }, (error, response) => (error ? reject(error) : resolve(response))),
      );
    try {
      await get(bearerCallCredentials(TOKEN));
      await get(bearerCallCredentials(async () => 'from-provider'));
      await expect(get(bearerCallCredentials(() => Promise.reject(new Error('no token cached'))))).rejects.toMatchObject({
        code: status.UNAUTHENTICATED,
      });
      await expect(get(bearerCallCredentials('bad token'))).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    } finally {
      raw.close();
    }
    expect(seen).toEqual([`Bearer ${TOKEN}`, 'Bearer from-provider']);
  });

  it('refuses a token that is not a bearer token, at its longest limit too, without echoing it', async () => {
    expect(checkBearerToken('a'.repeat(MAX_TOKEN_BYTES))).toHaveLength(MAX_TOKEN_BYTES);
    expect(() => checkBearerToken('a'.repeat(MAX_TOKEN_BYTES + 1))).toThrow(`longer than ${MAX_TOKEN_BYTES}`);
    expect(() => checkBearerToken('')).toThrow('empty');
    await expect(callMetadata(() => Promise.resolve(''))).rejects.toThrow('empty');
    const jobs = new JobsClient(address, { token: 'secret\r\nx-forged: 1' });
    try {
      await expect(jobs.getJob(JOB)).rejects.toThrow('RFC 6750');
    } finally {
      jobs.close();
    }
    expect(seen).toEqual([]);
    // Every string with a character outside RFC 6750's b64token (spaces, line breaks,
    // controls, non-ASCII, quotes, commas) is refused, and the message never contains it.
    const outside = fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }).filter((s) => /[^A-Za-z0-9\-._~+/=]/.test(s) || /=[^=]/.test(s));
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 16 }), outside, (prefix, hostile) => {
        const token = `${prefix}${hostile}`;
        let message = '';
        try {
          checkBearerToken(token);
        } catch (error) {
          message = (error as Error).message;
        }
        expect(message).not.toBe('');
        expect(message.includes(token)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
