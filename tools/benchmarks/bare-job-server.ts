/**
 * The baseline of api-load.ts: a bare grpc-js server of cairn.v1.JobService (the generated
 * service definition of @cairn/contracts) that answers SubmitJob, GetJob and ListJobs from
 * memory. Run by api-load.ts as a child process (its own event loop, as the gateway has):
 * it receives its settings over IPC, answers `{ port }`, and serves until the next message.
 *
 * The same as the gateway's gRPC port: TLS with the same certificate and key, the same
 * message size limits, a bearer token on every call. Not the same: the token is compared
 * with the one it was given (no JWT verification, identity mapping, roles, rate limit or
 * audit), and nothing is validated, stored durably or sent anywhere (no NATS, scheduler,
 * images service or PostgreSQL); no health or reflection service.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData, status } from '@grpc/grpc-js';
import { pb } from '@cairn/contracts';

/** What api-load.ts sends the child. */
export interface BareServerSettings {
  certFile: string;
  keyFile: string;
  /** The bearer token every call must carry. */
  token: string;
  /** Jobs known from the start (pb.Job, protobuf bytes in base64), newest first. */
  jobs: string[];
  /** A job whose image digest, owner and account new jobs copy (pb.Job in base64). */
  template: string;
}

/** What the child answers: `{ port }` once it listens, `{ error }` if it cannot. */
export type BareServerMessage = { port: number } | { error: string };

type Unary<Req, Res> = (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void;

const MAX_PAGE = 500;
const DEFAULT_PAGE = 50;

/** The in-memory store and the three calls. */
export function bareImplementation(settings: BareServerSettings): {
  submitJob: Unary<pb.SubmitJobRequest, pb.SubmitJobResponse>;
  getJob: Unary<pb.GetJobRequest, pb.GetJobResponse>;
  listJobs: Unary<pb.ListJobsRequest, pb.ListJobsResponse>;
} {
  const expected = `Bearer ${settings.token}`;
  const template = pb.Job.decode(Buffer.from(settings.template, 'base64'));
  /** Newest first. */
  const newestFirst: pb.Job[] = settings.jobs.map((b64) => pb.Job.decode(Buffer.from(b64, 'base64')));
  const byId = new Map(newestFirst.map((job) => [job.jobId, job]));
  const byRequestId = new Map<string, pb.Job>();
  const admitted = (call: ServerUnaryCall<unknown, unknown>, callback: (error: { code: number; details: string }) => void): boolean => {
    if (call.metadata.get('authorization')[0] === expected) return true;
    callback({ code: status.UNAUTHENTICATED, details: 'no valid bearer token' });
    return false;
  };
  return {
    submitJob: (call, callback) => {
      if (!admitted(call, callback)) return;
      const { spec, requestId } = call.request;
      if (!spec) return callback({ code: status.INVALID_ARGUMENT, details: 'spec is required' });
      const seen = requestId ? byRequestId.get(requestId) : undefined;
      if (seen) return callback(null, { job: seen });
      const now = new Date();
      const job: pb.Job = { ...template, jobId: randomUUID(), attemptId: randomUUID(), spec, state: pb.JobState.JOB_STATE_ACCEPTED, exitCode: undefined, slurmJobId: '', reason: '', createTime: now, updateTime: now };
      newestFirst.unshift(job);
      byId.set(job.jobId, job);
      if (requestId) byRequestId.set(requestId, job);
      callback(null, { job });
    },
    getJob: (call, callback) => {
      if (!admitted(call, callback)) return;
      const job = byId.get(call.request.jobId);
      if (!job) return callback({ code: status.NOT_FOUND, details: `job ${call.request.jobId} not found` });
      callback(null, { job });
    },
    listJobs: (call, callback) => {
      if (!admitted(call, callback)) return;
      const { pageSize, pageToken, states, site, namePrefix } = call.request;
      const size = Math.min(MAX_PAGE, pageSize || DEFAULT_PAGE);
      const from = pageToken ? Number(pageToken) : 0;
      if (!Number.isInteger(from) || from < 0) return callback({ code: status.INVALID_ARGUMENT, details: 'bad page token' });
      const jobs: pb.Job[] = [];
      let index = from;
      for (; index < newestFirst.length && jobs.length < size; index += 1) {
        const job = newestFirst[index] as pb.Job;
        if (namePrefix && !job.spec?.name.startsWith(namePrefix)) continue;
        if (states.length > 0 && !states.includes(job.state)) continue;
        if (site && job.spec?.site !== site) continue;
        jobs.push(job);
      }
      callback(null, { jobs, nextPageToken: index < newestFirst.length ? String(index) : '' });
    },
  };
}

/** Listens on 127.0.0.1 (a free port) with TLS; resolves the port. */
export async function startBareServer(settings: BareServerSettings): Promise<{ port: number; server: Server }> {
  // The gateway's settings (libs/grpc-server/src/grpc-server.host.ts).
  const server = new Server({ 'grpc.max_receive_message_length': 2 * 1024 * 1024, 'grpc.max_send_message_length': 4 * 1024 * 1024 });
  // WatchJob, CancelJob and GetJobOutput are left out: grpc-js answers them UNIMPLEMENTED.
  server.addService(pb.JobServiceService, bareImplementation(settings));
  const credentials = ServerCredentials.createSsl(null, [{ cert_chain: readFileSync(settings.certFile), private_key: readFileSync(settings.keyFile) }], false);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error ? reject(error) : resolve(bound))));
  return { port, server };
}

// As a child process of api-load.ts: settings in, port out; any later message stops it.
if (require.main === module && process.send) {
  const send = (message: BareServerMessage) => process.send?.(message);
  process.once('message', (settings: BareServerSettings) => {
    startBareServer(settings).then(
      ({ port, server }) => {
        process.once('message', () => server.tryShutdown(() => process.exit(0)));
        send({ port });
      },
      (error: unknown) => {
        send({ error: error instanceof Error ? error.message : String(error) });
        process.exit(1);
      },
    );
  });
}
