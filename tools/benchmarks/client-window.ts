/**
 * The clients' HTTP/2 receive window (RECEIVE_WINDOW_BYTES of @cairn/client) against grpc-js's
 * default (64 KiB), over a link with a round-trip time, as a researcher's program or the CLI
 * has to a gateway across the campus or from home:
 *
 *   node -r ./tools/register.js tools/benchmarks/client-window.ts --jobs 500 --rtt-ms 40 --calls 15
 *
 * A grpc-js server of cairn.v1.JobService in this process answers ListJobs with a page of
 * `--jobs` jobs (each as large as a typical job record). Between client and server, a TCP proxy
 * in this process holds every chunk for half the round-trip time in each direction (order kept),
 * so the link has the RTT but unlimited bandwidth. Measured, alternating call by call, on one
 * channel each (connected first, not timed): ListJobs through `JobsClient` (the lib's window)
 * and through a plain generated client with grpc-js's default window (the baseline). Reports
 * medians and p90 of each and the ratio; asserts nothing. Plaintext: the window does not depend
 * on TLS. Method and results: docs/benchmarks.md ("Clients' receive window over a slow link").
 */
import { createServer, type Server as NetServer, type Socket, connect as netConnect } from 'node:net';
import { parseArgs } from 'node:util';
import { credentials, Server, ServerCredentials, type ServiceError } from '@grpc/grpc-js';
import { JobsClient } from '@cairn/client';
import { pb } from '@cairn/contracts';
import { median, now, positiveOption, progressLog, quantile, treeCommit, usageOnHelp } from './bench-kit';

const USAGE = `usage: node -r ./tools/register.js tools/benchmarks/client-window.ts [options]
  --jobs N      jobs in the answered page (default 500, ListJobs' largest page)
  --rtt-ms T    round-trip time the proxy adds (default 40)
  --calls N     ListJobs calls per client (default 15)`;

const { values: opts } = parseArgs({
  options: {
    jobs: { type: 'string', default: '500' },
    'rtt-ms': { type: 'string', default: '40' },
    calls: { type: 'string', default: '15' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
usageOnHelp(opts.help, USAGE);
const JOBS = positiveOption('jobs', opts.jobs);
const RTT_MS = positiveOption('rtt-ms', opts['rtt-ms']);
const CALLS = positiveOption('calls', opts.calls);
const log = progressLog('client-window');

/** A job as the gateway answers one: ids, spec, state, times, owner, account, pinned image. */
function job(i: number): pb.Job {
  const id = `3f1c2a9e-${String(i).padStart(4, '0')}-4000-8000-000000000000`;
  const at = new Date(Date.UTC(2026, 11, 3, 10, 0, i % 60));
  return pb.Job.fromPartial({
    jobId: id,
    spec: { name: `sweep-point-${i}`, image: 'lab/python-numpy:1', command: ['python3', '/opt/fit.py', '--alpha', String(i / 1000), '--out', `results/${i}.json`], resources: { cpus: 1, memoryMb: 2048, timeLimitSeconds: 3600 } },
    state: pb.JobState.JOB_STATE_COMPLETED,
    createTime: at,
    updateTime: at,
    exitCode: 0,
    owner: { issuer: 'https://idp.example.edu', subject: `user-${i % 50}`, name: 'alice', posixUser: 'alice' },
    account: 'genomics',
    imageDigest: `registry.example.edu/lab/python-numpy@sha256:${'ab'.repeat(32)}`,
    slurmJobId: String(100000 + i),
    attemptId: id,
  });
}

/** A TCP proxy that forwards each chunk after `delayMs`, in order, both ways. */
function delayingProxy(target: number, delayMs: number): Promise<{ port: number; server: NetServer }> {
  const pipe = (from: Socket, to: Socket) => {
    from.on('data', (chunk) => setTimeout(() => to.write(chunk), delayMs));
    from.on('end', () => setTimeout(() => to.end(), delayMs));
    from.on('error', () => to.destroy());
  };
  // No Nagle on the proxy's sockets: a small write (a WINDOW_UPDATE, a request) must not wait for an acknowledgement.
  const server = createServer({ noDelay: true }, (client) => {
    const upstream = netConnect({ port: target, host: '127.0.0.1', noDelay: true });
    pipe(client, upstream);
    pipe(upstream, client);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as { port: number }).port, server })));
}

async function main(): Promise<void> {
  const page = pb.ListJobsResponse.fromPartial({ jobs: Array.from({ length: JOBS }, (_, i) => job(i)) });
  const bytes = pb.ListJobsResponse.encode(page).finish().length;
  const server = new Server();
  server.addService(pb.JobServiceService, {
    listJobs: (_call: unknown, callback: (e: ServiceError | null, r: pb.ListJobsResponse) => void) => callback(null, page),
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const proxy = await delayingProxy(port, RTT_MS / 2);
  const address = `127.0.0.1:${proxy.port}`;
  const lib = new JobsClient(address);
  const plain = new pb.JobServiceClient(address, credentials.createInsecure());
  const request = pb.ListJobsRequest.fromPartial({ pageSize: JOBS });
  const viaPlain = () =>
    new Promise<number>((resolve, reject) => plain.listJobs(request, (error, answer) => (error ? reject(error) : resolve(answer.jobs.length))));
  const viaLib = () => lib.listJobs({ pageSize: JOBS }).then((answer) => answer.jobs.length);
  try {
    log(`a page of ${JOBS} jobs (${bytes} bytes) over a link of ${RTT_MS} ms RTT; connecting both channels`);
    for (const call of [viaPlain, viaLib]) if ((await call()) !== JOBS) throw new Error('a page came back short');
    const times: Record<'lib' | 'plain', number[]> = { lib: [], plain: [] };
    for (let i = 0; i < CALLS; i += 1) {
      for (const [name, call] of (i % 2 === 0 ? [['plain', viaPlain], ['lib', viaLib]] : [['lib', viaLib], ['plain', viaPlain]]) as Array<['lib' | 'plain', () => Promise<number>]>) {
        const t = now();
        if ((await call()) !== JOBS) throw new Error('a page came back short');
        times[name].push(now() - t);
      }
    }
    const row = (name: string, ms: number[]) => `| ${name} | ${median(ms).toFixed(1)} | ${quantile(ms, 0.9).toFixed(1)} | ${(median(ms) / RTT_MS).toFixed(1)} |`;
    const lines = [
      `## client-window: ListJobs of ${JOBS} jobs (${bytes} bytes) over a ${RTT_MS} ms round trip`,
      '',
      `- date: ${new Date().toISOString()}`,
      `- command: node -r ./tools/register.js tools/benchmarks/client-window.ts ${process.argv.slice(2).join(' ')}`.trimEnd(),
      `- commit: ${await treeCommit()}`,
      `- calls: ${CALLS} per client, alternating`,
      '',
      '| client | median (ms) | p90 (ms) | round trips (median ÷ RTT) |',
      '| --- | ---: | ---: | ---: |',
      row('grpc-js default window (64 KiB): baseline', times.plain),
      row("@cairn/client's window (4 MiB)", times.lib),
      '',
      `Median ratio, @cairn/client ÷ baseline: **${(median(times.lib) / median(times.plain)).toFixed(2)}×**`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    lib.close();
    plain.close();
    proxy.server.close();
    server.forceShutdown();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
