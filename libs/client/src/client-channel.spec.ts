import { credentials, getChannelzHandlers, Server, ServerCredentials, type ServiceError, status } from '@grpc/grpc-js';
import { pb } from '@cairn/contracts';
import { AuditClient } from './audit.client';
import { RECEIVE_WINDOW_BYTES } from './client-options';
import { IdentityClient } from './identity.client';
import { ImagesClient } from './images.client';
import { JobsClient } from './jobs.client';
import { ProvenanceClient } from './provenance.client';
import { SitesClient } from './sites.client';
import { TemplatesClient } from './templates.client';
import { WorkflowsClient } from './workflows.client';

const JOB = '3f1c2a9e-0000-4000-8000-000000000005';
/** Jobs in the page the server answers: well over HTTP/2's default window of 64 KiB. */
const PAGE_JOBS = 3000;

type Handler = (call: { request: Record<string, unknown> }, callback: (error: unknown, value?: Record<string, unknown>) => void) => void;
const channelz = getChannelzHandlers() as unknown as Record<string, Handler>;

function ask<T>(method: string, request: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    const handler = channelz[method];
    if (!handler) throw new Error(`no channelz handler ${method}`);
    handler({ request }, (error, value) => (error ? reject(error as Error) : resolve(value as T)));
  });
}

interface Ref {
  channel_id?: string;
  subchannel_id?: string;
  socket_id?: string;
}

/** The receive window (bytes) of each open connection of this process's channels to `address` (grpc-js channelz). */
async function receiveWindows(address: string): Promise<number[]> {
  const top = await ask<{ channel: { data: { target: string }; subchannel_ref: Ref[] }[] }>('GetTopChannels', { start_channel_id: 0, max_results: 1000 });
  const windows: number[] = [];
  for (const channel of top.channel.filter((c) => c.data.target.endsWith(address))) {
    for (const sub of channel.subchannel_ref) {
      const { subchannel } = await ask<{ subchannel: { socket_ref: Ref[] } }>('GetSubchannel', { subchannel_id: sub.subchannel_id });
      for (const ref of subchannel.socket_ref) {
        const { socket } = await ask<{ socket: { data: { local_flow_control_window: { value: number } | null } } }>('GetSocket', { socket_id: ref.socket_id });
        windows.push(socket.data.local_flow_control_window?.value ?? 0);
      }
    }
  }
  return windows;
}

describe('the clients\' channels [real: grpc-js server on loopback]', () => {
  let server: Server;
  let address: string;

  beforeAll(async () => {
    server = new Server();
    const page = pb.ListJobsResponse.fromPartial({
      jobs: Array.from({ length: PAGE_JOBS }, (_, i) => pb.Job.fromPartial({ jobId: JOB, spec: { name: `job-${i}`, image: 'lab/busybox:1.36', command: ['/bin/true'] } })),
    });
    server.addService(pb.JobServiceService, {
      getJob: (_call: unknown, callback: (e: ServiceError | null, r: pb.GetJobResponse) => void) => callback(null, { job: pb.Job.fromPartial({ jobId: JOB }) }),
      listJobs: (_call: unknown, callback: (e: ServiceError | null, r: pb.ListJobsResponse) => void) => callback(null, page),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    address = `127.0.0.1:${port}`;
  });

  afterAll(() => server?.forceShutdown());

  it('let the gateway send a whole answer ahead of the reading: a receive window of RECEIVE_WINDOW_BYTES, where grpc-js keeps at most 64 KiB by default', async () => {
    const plain = new pb.JobServiceClient(address, credentials.createInsecure());
    await new Promise<void>((resolve, reject) => plain.getJob({ jobId: JOB }, (error) => (error ? reject(error) : resolve())));
    const [plainWindow] = await receiveWindows(address);
    expect(plainWindow).toBeLessThanOrEqual(65_535);
    plain.close();

    const client = new JobsClient(address);
    try {
      expect((await client.getJob(JOB)).jobId).toBe(JOB);
      const [window] = await receiveWindows(address);
      // What is left of it: the window less what was read and not yet acknowledged (HTTP/2 acknowledges by halves).
      expect(window).toBeGreaterThan(RECEIVE_WINDOW_BYTES / 2);
      expect(window).toBeLessThanOrEqual(RECEIVE_WINDOW_BYTES);
      // A page far over the default window arrives whole, and the window stays open after it.
      const page = await client.listJobs({});
      expect(page.jobs).toHaveLength(PAGE_JOBS);
      expect(page.jobs[PAGE_JOBS - 1]?.spec?.name).toBe(`job-${PAGE_JOBS - 1}`);
      expect(pb.ListJobsResponse.encode(page).finish().length).toBeGreaterThan(64 * 1024);
      const [after] = await receiveWindows(address);
      expect(after).toBeGreaterThan(RECEIVE_WINDOW_BYTES / 2);
    } finally {
      client.close();
    }
  });

  // Every client of the lib: one call each (this server answers only JobService; the others' calls are UNIMPLEMENTED, over a connection made all the same).
  const others: Array<[string, (address: string) => { call: () => Promise<unknown>; close: () => void }]> = [
    ['AuditClient', (a) => { const c = new AuditClient(a); return { call: () => c.list(), close: () => c.close() }; }],
    ['IdentityClient', (a) => { const c = new IdentityClient(a); return { call: () => c.whoAmI(), close: () => c.close() }; }],
    ['ImagesClient', (a) => { const c = new ImagesClient(a); return { call: () => c.list(), close: () => c.close() }; }],
    ['ProvenanceClient', (a) => { const c = new ProvenanceClient(a); return { call: () => c.getRunProvenance(JOB), close: () => c.close() }; }],
    ['SitesClient', (a) => { const c = new SitesClient(a); return { call: () => c.list(), close: () => c.close() }; }],
    ['TemplatesClient', (a) => { const c = new TemplatesClient(a); return { call: () => c.listTemplates(), close: () => c.close() }; }],
    ['WorkflowsClient', (a) => { const c = new WorkflowsClient(a); return { call: () => c.getWorkflow(JOB), close: () => c.close() }; }],
  ];

  it.each(others)('%s has the same receive window', async (_name, make) => {
    const client = make(address);
    try {
      await expect(client.call()).rejects.toMatchObject({ code: status.UNIMPLEMENTED });
      const windows = await receiveWindows(address);
      expect(windows).toHaveLength(1);
      expect(windows[0]).toBeGreaterThan(RECEIVE_WINDOW_BYTES / 2);
    } finally {
      client.close();
    }
  });
});
