import { status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { connectNats, type NatsConnection } from '@cairn/adapters/nats';
import { GatewayError, type JobsClient, WorkflowsClient } from '@cairn/client';
import { MAX_SUBMIT_BATCH, pb, subjects } from '@cairn/contracts';
import { as, type CairnStack, startCairnStack } from '@cairn/testing';
import { spec, stateOf, waitForState } from './job-helpers';

/**
 * Generated hostile requests through the public gRPC API: each gets a clear status
 * (OK, INVALID_ARGUMENT, NOT_FOUND or RESOURCE_EXHAUSTED; never INTERNAL, UNAVAILABLE or a
 * missed deadline), and every service still answers afterwards. Workflows are dry runs, and
 * jobs carry a hostile field nearly always, so Slurm sees few of them.
 */

const CLEAR = new Set<number>([status.OK, status.INVALID_ARGUMENT, status.NOT_FOUND, status.RESOURCE_EXHAUSTED]);
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

/** A generous bound on any one request: a hostile one must not stall a service. */
const PER_REQUEST_MS = 20_000;

/** The request's status code (0 when it succeeds); a rejection that is no GatewayError, or no answer in time, fails the test. */
async function codeOf(request: Promise<unknown>): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PER_REQUEST_MS} ms`)), PER_REQUEST_MS);
  });
  try {
    await Promise.race([request, late]);
    return status.OK;
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    if (!CLEAR.has(error.code)) throw new Error(`${error.codeName}: ${error.message.slice(0, 500)}`);
    // A refusal is small and shows no raw control character.
    expect(error.message.length).toBeLessThanOrEqual(16_384);
    return error.code;
  } finally {
    clearTimeout(timer);
  }
}

const controls = fc.constantFrom('\u0000', '\u0001', '\u001b', '\u007f', '\u0085', '\u009b', '\n', '\r');
const hostileText = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.tuple(fc.string({ maxLength: 10 }), controls, fc.string({ maxLength: 10 })).map(([a, c, b]) => `${a}${c}${b}`),
  fc.constantFrom(...PROTOTYPE_NAMES, '${{ params.constructor }}', '${{ item.name }}', '$(id)', '`id`', '../../etc/passwd'),
  fc.constantFrom(4095, 4096, 4097, 65_536, 300_000).map((n) => 'x'.repeat(n)),
  fc.constantFrom('*a*a*a*a*a*a*a*a*ab', '[z-a]', '[abc', `${'*a'.repeat(100)}b`),
);
const hostileNumber = fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2 ** 31, 2 ** 53 - 1, -(2 ** 53) + 1, 999_999_999, 1_000_000, 0.5, 1e300));

/** A workflow with a few of its fields replaced by hostile values, as YAML or JSON. */
const hostileWorkflow = fc
  .record({
    description: fc.option(hostileText, { nil: undefined }),
    paramName: fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), hostileText),
    paramValue: fc.oneof(hostileText, hostileNumber),
    envName: fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES, 'SLURM_X', 'CAIRN_Y'), hostileText),
    envValue: hostileText,
    stepName: fc.oneof(fc.constantFrom('prep', ...PROTOTYPE_NAMES), hostileText),
    arg: hostileText,
    array: fc.oneof(
      fc.record({ items: fc.array(fc.oneof(hostileText, hostileNumber), { minLength: 1, maxLength: 4 }) }),
      fc.record({ range: fc.record({ from: hostileNumber, to: hostileNumber, step: fc.oneof(fc.constant(1), hostileNumber) }) }),
      fc.record({ glob: hostileText }),
      fc.record({ lines: hostileText }),
    ),
    asJson: fc.boolean(),
  })
  .map((h) => {
    const workflow = {
      version: 1,
      name: 'hostile',
      ...(h.description === undefined ? {} : { description: h.description }),
      defaults: { image: 'lab/busybox:1.36', resources: { memory: '64M', time: '5m' } },
      params: Object.defineProperty({}, h.paramName, { value: h.paramValue, enumerable: true }),
      steps: Object.defineProperty(
        {
          sweep: { command: ['/bin/echo', '${{ item }}', h.arg], array: h.array },
        },
        h.stepName,
        { value: { command: ['/bin/true', h.arg], env: Object.defineProperty({}, h.envName, { value: h.envValue, enumerable: true }) }, enumerable: true },
      ),
    };
    return h.asJson ? JSON.stringify(workflow) : stringify(workflow);
  });

const hostileJobSpec = fc
  .record({
    name: fc.oneof(fc.constant('hostile'), hostileText),
    arg: hostileText,
    envName: fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), hostileText),
    envValue: hostileText,
    items: fc.option(fc.array(hostileText, { minLength: 1, maxLength: 3 }), { nil: undefined }),
    cpus: fc.oneof(fc.constant(1), hostileNumber),
    partition: fc.oneof(fc.constant(''), hostileText),
  })
  .map((h) =>
    spec({
      name: h.name,
      command: ['/bin/true', h.arg],
      env: { [h.envName]: h.envValue },
      resources: { cpus: Number.isSafeInteger(h.cpus) && h.cpus >= 0 && h.cpus < 2 ** 32 ? h.cpus : 0, memoryMb: 64, timeLimitSeconds: 60, partition: h.partition },
      ...(h.items ? { array: { items: h.items, itemsPerElement: 1, throttle: 0 } } : {}),
    }),
  );

const oddId = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.uuid(),
  fc.constantFrom('', '00000000-0000-4000-8000-000000000000', '../x', 'a\u0000b', ...PROTOTYPE_NAMES),
  fc.constantFrom(64, 10_000).map((n) => 'f'.repeat(n)),
);
const oddToken = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(1, 511, 512, 513).map((n) => 'A'.repeat(n)),
  fc
    .record({ t: fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('-271821-04-20T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', '1969-12-31T23:59:59Z')), id: fc.oneof(fc.uuid(), fc.string({ maxLength: 36 })) })
    .map((c) => Buffer.from(JSON.stringify(c)).toString('base64url')),
);
const oddPrefix = fc.oneof(fc.string({ maxLength: 70 }), fc.constantFrom('%', '_', '\\', 'a\u0000', '\u0085', "' OR 1=1 --"));

describe('hostile gRPC requests get a clear status and the services stay up [real: gateway, scheduler, images, agent, nats-server, PostgreSQL, registry, sinfo, slurmctld, slurmd, ch-run]', () => {
  let stack: CairnStack;
  let workflows: WorkflowsClient;
  let nc: NatsConnection;
  /** Jobs accepted on the way, each with a client that may read it. */
  const accepted: { jobId: string; reader: JobsClient }[] = [];

  beforeAll(async () => {
    stack = await startCairnStack();
    workflows = new WorkflowsClient(stack.grpcAddress, stack.clientOptions());
    nc = await connectNats({ ...stack.nats.clientFor(stack.nats.users.monitor), name: 'hostile-requests-test' });
  });

  afterAll(async () => {
    await nc?.close();
    workflows?.close();
    await stack?.stop();
  });

  it('WorkflowService.SubmitWorkflow dry runs of generated hostile files', async () => {
    const codes = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(hostileWorkflow, async (source) => {
        const code = await codeOf(workflows.submitWorkflow({ source, fileName: 'hostile.yaml', dryRun: true }));
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }),
      { numRuns: 150 },
    );
    // The generator makes both kinds: some files pass every check, most are refused.
    expect(codes.get(status.INVALID_ARGUMENT)).toBeGreaterThan(0);
  });

  it('a dry run and a submission check the same things (a reserved variable only the rendered job shows, a NUL, a billion-item range)', async () => {
    const files = [
      'version: 1\nname: w\ndefaults: { image: lab/busybox:1.36 }\nsteps:\n  s: { command: [/bin/true], env: { SLURM_JOB_ID: "1" } }\n',
      'version: 1\nname: w\ndescription: "a\\0b"\ndefaults: { image: lab/busybox:1.36 }\nsteps:\n  s: { command: [/bin/true] }\n',
      'version: 1\nname: w\ndefaults: { image: lab/busybox:1.36 }\nsteps:\n  s: { command: [/bin/echo, "${{ item }}"], array: { range: { from: 0, to: 999999999 } } }\n',
      'version: 1\nname: w\ndefaults: { image: lab/busybox:1.36 }\nsteps:\n  s: { command: [/bin/echo, "${{ item.name }}"], array: { items: [a] } }\n',
    ];
    for (const source of files) {
      const dry = await workflows.submitWorkflow({ source, fileName: 'w.yaml', dryRun: true }).catch((e: unknown) => e);
      const real = await workflows.submitWorkflow({ source, fileName: 'w.yaml' }).catch((e: unknown) => e);
      expect(dry).toBeInstanceOf(GatewayError);
      expect(real).toBeInstanceOf(GatewayError);
      expect([(dry as GatewayError).codeName, (real as GatewayError).codeName]).toEqual(['INVALID_ARGUMENT', 'INVALID_ARGUMENT']);
      expect((real as GatewayError).message).toBe((dry as GatewayError).message);
    }
    const valid = 'version: 1\nname: w\ndefaults: { image: lab/busybox:1.36 }\nsteps:\n  s: { command: [/bin/true] }\n';
    for (const dryRun of [true, false]) {
      const refused = await workflows.submitWorkflow({ source: valid, fileName: 'w.yaml', dryRun, requestId: 'no spaces allowed' }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ codeName: 'INVALID_ARGUMENT', message: expect.stringContaining('request_id') });
    }
    expect((await workflows.listWorkflows({ pageSize: 100 })).workflows).toEqual([]);
  });

  it('JobService.SubmitJob with generated hostile specs (anything accepted is cancelled at once)', async () => {
    await fc.assert(
      fc.asyncProperty(hostileJobSpec, async (jobSpec) => {
        let jobId = '';
        await codeOf(stack.client.submitJob({ spec: jobSpec, requestId: '' }).then((reply) => (jobId = reply.job?.jobId ?? '')));
        if (jobId) {
          accepted.push({ jobId, reader: stack.client });
          await stack.client.cancelJob(jobId);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('SubmitJobs made together by three people, refusals among them, go to the scheduler together and each gets its own answer and access', async () => {
    // The scheduler's own user may listen on its subjects: count the submit-many requests and their items.
    const listener = await connectNats({ ...stack.nats.clientFor(stack.nats.users.scheduler), name: 'submit-many-listener' });
    const batchSizes: number[] = [];
    const sub = listener.subscribe(subjects.scheduler.submitJobs);
    void (async () => {
      for await (const msg of sub) batchSizes.push((JSON.parse(new TextDecoder().decode(msg.data)) as { items: unknown[] }).items.length);
    })();
    await listener.flush();
    const people = ['alice', 'bob', 'carol'] as const;
    const calls = people.flatMap((who) =>
      [0, 1, 2].flatMap((k) => [
        { who, kind: 'ok', spec: spec({ name: `together-${who}-${k}`, command: ['/bin/true'] }) },
        { who, kind: 'site', spec: spec({ name: `nowhere-${who}-${k}`, command: ['/bin/true'], site: 'atlantis' }) },
        { who, kind: 'image', spec: spec({ name: `absent-${who}-${k}`, command: ['/bin/true'], image: 'lab/absent-image:0' }) },
      ]),
    );
    const answers = await Promise.all(calls.map((call) => stack.clients[call.who].submitJob({ spec: call.spec, requestId: '' }).then((reply) => reply.job, (error: unknown) => error)));
    await listener.flush();
    sub.unsubscribe();
    await listener.close();
    for (const [k, call] of calls.entries()) {
      const answer = answers[k];
      if (call.kind !== 'ok') {
        expect(answer).toBeInstanceOf(GatewayError);
        if (call.kind === 'site') expect(answer).toMatchObject({ codeName: 'INVALID_ARGUMENT', message: expect.stringContaining('atlantis') });
        else expect(answer).toMatchObject({ codeName: 'NOT_FOUND', message: expect.stringContaining('repository lab/absent-image not found') });
        continue;
      }
      const job = answer as pb.Job;
      expect(job.spec?.name).toBe(call.spec.name);
      accepted.push({ jobId: job.jobId, reader: stack.clients[call.who] });
      expect(job.owner?.name).toBe(call.who);
      // Who may read it is decided for its own caller: alice's goes to alice-lab, bob's to
      // genomics (alice is a member), carol's to ops; carol is an admin. The rest are told it does not exist.
      const readers = { alice: ['alice', 'carol'], bob: ['alice', 'bob', 'carol'], carol: ['carol'] }[call.who];
      for (const reader of people) {
        const read = stack.clients[reader].getJob(job.jobId);
        if (readers.includes(reader)) expect((await read).spec?.name).toBe(call.spec.name);
        else await expect(read).rejects.toMatchObject({ codeName: 'NOT_FOUND' });
      }
      await stack.clients[call.who].cancelJob(job.jobId);
    }
    // At least one request carried several people's submissions (27 calls made at once).
    expect(Math.max(0, ...batchSizes)).toBeGreaterThan(1);
    // The refused submissions recorded nothing.
    for (const who of people) for (const namePrefix of ['nowhere-', 'absent-']) expect((await stack.clients[who].listJobs({ pageSize: 100, namePrefix })).jobs).toEqual([]);
  });

  it('scheduler.jobs.submit-many with generated hostile bodies: INVALID_ARGUMENT for the request or for each item, never INTERNAL, and no job recorded', async () => {
    const sender = await connectNats({ ...stack.nats.clientFor(stack.nats.users.gateway), name: 'submit-many-hostile' });
    const before = (await stack.clients.carol.listJobs({ pageSize: 500 })).jobs.length;
    const item = fc.oneof(fc.anything(), fc.record({ spec: fc.anything(), caller: fc.anything() }), fc.constant({ spec: {}, ...as.alice }));
    const body = fc.oneof(
      fc.anything(),
      fc.record({ items: fc.array(item, { maxLength: 8 }) }),
      fc.record({ items: fc.array(item, { minLength: 65, maxLength: 70 }) }),
      fc.record({ items: fc.array(item, { minLength: 1, maxLength: 3 }), extra: fc.anything() }),
    );
    try {
      await fc.assert(
        fc.asyncProperty(body, async (payload) => {
          const reply = await sender.request(subjects.scheduler.submitJobs, new TextEncoder().encode(JSON.stringify(payload) ?? 'null'), { timeout: PER_REQUEST_MS });
          const answer = JSON.parse(new TextDecoder().decode(reply.data)) as { ok: boolean; error?: { code: string }; data?: { results: { ok: boolean; error?: { code: string } }[] } };
          if (!answer.ok) return expect(answer.error?.code).toBe('INVALID_ARGUMENT');
          for (const result of answer.data?.results ?? []) expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
        }),
        { numRuns: 60 },
      );
    } finally {
      await sender.close();
    }
    expect((await stack.clients.carol.listJobs({ pageSize: 500 })).jobs.length).toBe(before);
  });

  it('scheduler.jobs.submit-many at its limit of MAX_SUBMIT_BATCH items: every one accepted, answered in order (each cancelled at once)', async () => {
    const sender = await connectNats({ ...stack.nats.clientFor(stack.nats.users.gateway), name: 'submit-many-limit' });
    const spec = (k: number) => ({ name: `limit-${k}`, image: 'lab/busybox:1.36', command: ['/bin/true'], env: {}, resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 60 }, site: stack.site });
    const items = Array.from({ length: MAX_SUBMIT_BATCH }, (_, k) => ({ spec: spec(k), ...as.carol }));
    try {
      const reply = await sender.request(subjects.scheduler.submitJobs, new TextEncoder().encode(JSON.stringify({ items })), { timeout: PER_REQUEST_MS });
      const answer = JSON.parse(new TextDecoder().decode(reply.data)) as { ok: boolean; data?: { results: { ok: boolean; data?: { job: { jobId: string; spec: { name: string } } } }[] } };
      expect(answer.ok).toBe(true);
      const results = answer.data?.results ?? [];
      expect(results.map((r) => r.data?.job.spec.name)).toEqual(items.map((item) => item.spec.name));
      for (const result of results) {
        const jobId = result.data?.job.jobId ?? '';
        // carol is an admin: her stack self may cancel the jobs of the harness's carol.
        await stack.clients.carol.cancelJob(jobId);
        accepted.push({ jobId, reader: stack.clients.carol });
      }
    } finally {
      await sender.close();
    }
  });

  it('GetJob, GetJobOutput, ListJobs, WatchJob, GetWorkflow, ListWorkflows and WatchWorkflow with odd ids, page tokens and name prefixes', async () => {
    await fc.assert(
      fc.asyncProperty(oddId, oddToken, oddPrefix, fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(500, 501, 2 ** 31 - 1)), async (id, token, prefix, pageSize) => {
        await codeOf(stack.client.getJob(id));
        await codeOf(stack.client.getJobOutput({ jobId: id, maxBytes: pageSize }));
        await codeOf(stack.client.listJobs({ pageSize, pageToken: token, namePrefix: prefix }));
        await codeOf(workflows.getWorkflow(id));
        await codeOf(workflows.listWorkflows({ pageSize, pageToken: token, namePrefix: prefix }));
        await codeOf(drain(stack.client.watchJob(id)));
        await codeOf(drain(workflows.watchWorkflow(id)));
      }),
      { numRuns: 100 },
    );
  });

  it('env names such as __proto__, constructor and toString reach the job as ordinary variables', async () => {
    const env = JSON.parse('{"__proto__": "p", "constructor": "c", "toString": "t", "hasOwnProperty": "h"}') as Record<string, string>;
    const { job } = await stack.client.submitJob({
      spec: spec({ name: 'names', command: ['/bin/sh', '-c', 'echo "$__proto__|$constructor|$toString|$hasOwnProperty"'], env }),
      requestId: '',
    });
    if (!job) throw new Error('no job');
    const done = await waitForState(stack.client, job.jobId, pb.JobState.JOB_STATE_COMPLETED, 180_000);
    expect(stateOf(done.state)).toBe('COMPLETED');
    // (This TypeScript client's generated decoder drops "__proto__" from the reply's map; the job had it.)
    expect(done.spec?.env).toEqual({ constructor: 'c', toString: 't', hasOwnProperty: 'h' });
    const output = await stack.client.getJobOutput({ jobId: job.jobId });
    expect(Buffer.from(output.data).toString('utf8')).toBe('p|c|t|h\n');
  });

  it('afterwards every service still answers its health check, and the accepted jobs were cancelled', async () => {
    const health = [...(['gateway', 'scheduler', 'images'] as const).map((s) => subjects.health(s)), subjects.site(stack.site).health];
    for (const subject of health) await expect(nc.request(subject, undefined, { timeout: 5000 })).resolves.toBeDefined();
    for (const service of Object.values(stack.services)) expect(service.pid && isAlive(service.pid)).toBe(true);
    await expect(stack.client.listJobs({ pageSize: 1 })).resolves.toBeDefined();
    await expect(workflows.listWorkflows({ pageSize: 1 })).resolves.toBeDefined();
    for (const { jobId, reader } of accepted) expect(['CANCELLED', 'COMPLETED', 'FAILED']).toContain(stateOf((await waitForFinal(reader, jobId)).state));
  });
});

/** Reads a watch stream to its end (an odd id ends it at once with its status). */
async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const event of stream) expect(event).toBeDefined();
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForFinal(reader: JobsClient, jobId: string): Promise<pb.Job> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const job = await reader.getJob(jobId);
    if (['CANCELLED', 'COMPLETED', 'FAILED', 'TIMEOUT'].includes(stateOf(job.state)) || Date.now() > deadline) return job;
    await new Promise((r) => setTimeout(r, 500));
  }
}
