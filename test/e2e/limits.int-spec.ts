import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { connect } from 'nats';
import { Client } from 'pg';
import { JOB_LIMITS, MAX_OUTPUT_BYTES, MAX_WORKFLOW_SOURCE_BYTES, pb, subjects } from '@cairn/contracts';
import { WorkflowsClient } from '@cairn/client';
import { type CairnStack, startCairnStack } from '@cairn/testing';
import { spec, stateOf, submit, waitForState, watchAll } from './job-helpers';
import { runState, startRun, stepOf, waitForRun, ended } from './workflow-helpers';

const S = pb.JobState;
const BUDGET = JOB_LIMITS.maxTotalBytes;
const bytes = (values: readonly string[]) => values.reduce((sum, v) => sum + Buffer.byteLength(v), 0);

/** Arguments of `char` (at most 4096 bytes each) that add exactly `total` bytes. */
function filler(total: number, char: string, maxEach: number = JOB_LIMITS.maxArgBytes): string[] {
  const out: string[] = [];
  for (let left = total; left > 0; left -= maxEach) out.push(char.repeat(Math.min(maxEach, left)));
  return out;
}

/** What a gRPC call failed with: its status code and message. */
async function failure(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await call;
  } catch (error) {
    const e = error as { code?: number; message?: string };
    return { code: e.code ?? -1, message: e.message ?? '' };
  }
  throw new Error('the call succeeded');
}

describe('Limits end to end: every documented maximum, and what is over it [real: gateway, scheduler, images, agent, nats-server, PostgreSQL, registry, slurmctld, slurmd, ch-run]', () => {
  let stack: CairnStack;
  let workflows: WorkflowsClient;
  const pids = new Map<string, number | undefined>();

  beforeAll(async () => {
    stack = await startCairnStack();
    workflows = new WorkflowsClient(stack.grpcAddress, stack.clientOptions());
    for (const [name, service] of Object.entries(stack.services)) pids.set(name, service.pid);
  });

  afterAll(async () => {
    workflows?.close();
    await stack?.stop();
  });

  describe('jobs', () => {
    it('runs 256 arguments that fill the 128 KiB budget with the characters JSON escapes, byte for byte', async () => {
      const head = ['/bin/sh', '-c', 'n=0; for a in "$@"; do n=$((n + ${#a})); done; echo "$# $n"', 'sh'];
      // 251 arguments of 520 bytes of '"' and '\\' (two bytes each in JSON), and one that makes up the rest.
      const middle = Array.from({ length: JOB_LIMITS.maxArgs - head.length - 1 }, () => '"\\'.repeat(260));
      const command = [...head, ...middle, '"'.repeat(BUDGET - bytes(head) - bytes(middle))];
      expect(command).toHaveLength(JOB_LIMITS.maxArgs);
      expect(bytes(command)).toBe(BUDGET);
      const jobId = await submit(stack.client, spec({ name: 'max-argv', command }));
      const events = await watchAll(stack.client, jobId);
      expect(stateOf(events.at(-1)?.state ?? 0)).toBe('COMPLETED');
      const out = Buffer.from((await stack.client.getJobOutput({ jobId })).data).toString();
      expect(out).toBe(`${JOB_LIMITS.maxArgs - 4} ${bytes(command.slice(4))}\n`);
      expect((await stack.client.getJob(jobId)).spec?.command).toEqual(command);
    });

    it('runs 64 environment variables (one of 4096 bytes) that fill the budget', async () => {
      const command = ['/bin/sh', '-c', 'env | grep -c "^V[0-9]"; printf %s "$V00" | wc -c'];
      const env: Record<string, string> = { V00: 'v'.repeat(JOB_LIMITS.maxArgBytes) };
      const others = JOB_LIMITS.maxEnv - 1;
      const rest = BUDGET - bytes(command) - 3 - JOB_LIMITS.maxArgBytes - 3 * others;
      for (let i = 1; i <= others; i += 1) env[`V${String(i).padStart(2, '0')}`] = 'e'.repeat(Math.floor(rest / others) + (i === others ? rest % others : 0));
      expect(Object.keys(env)).toHaveLength(JOB_LIMITS.maxEnv);
      expect(bytes(command) + bytes(Object.keys(env)) + bytes(Object.values(env))).toBe(BUDGET);
      const jobId = await submit(stack.client, spec({ name: 'max-env', command, env }));
      const events = await watchAll(stack.client, jobId);
      expect(stateOf(events.at(-1)?.state ?? 0)).toBe('COMPLETED');
      expect(Buffer.from((await stack.client.getJobOutput({ jobId })).data).toString().split(/\s+/).filter(Boolean)).toEqual(['64', '4096']);
    });

    it('hands 10,000 items in 1,000 elements that fill the budget to Slurm as one array job (then cancels it)', async () => {
      const command = ['/bin/echo', '${{ item }}'];
      const each = Math.floor((BUDGET - bytes(command)) / JOB_LIMITS.maxItems);
      const items = Array.from({ length: JOB_LIMITS.maxItems }, (_, i) => String(i).padStart(each, '0'));
      items[0] = `${items[0]}${'0'.repeat(BUDGET - bytes(command) - bytes(items))}`;
      expect(bytes(command) + bytes(items)).toBe(BUDGET);
      const jobId = await submit(stack.client, spec({ name: 'max-items', command, array: { items, itemsPerElement: 10, throttle: 1 } }));
      // Handed to the agent and submitted to Slurm: the job has its Slurm job id.
      let job = await stack.client.getJob(jobId);
      for (const deadline = Date.now() + 60_000; !job.slurmJobId && Date.now() < deadline; job = await stack.client.getJob(jobId)) {
        expect(stateOf(job.state)).not.toBe('FAILED');
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(job.slurmJobId).toMatch(/^[0-9]+$/);
      expect(job.spec?.array?.items).toEqual(items);
      await stack.client.cancelJob(jobId);
      await waitForState(stack.client, jobId, S.JOB_STATE_CANCELLED, 60_000);
    });

    it('refuses one byte over the budget, 10,001 items or 257 arguments with INVALID_ARGUMENT that says which limit, and stores nothing', async () => {
      const before = (await stack.client.listJobs({ pageSize: 500, namePrefix: 'over-' })).jobs.length;
      const over = ['/bin/echo', ...filler(BUDGET - 9 + 1, 'x')];
      expect(await failure(submit(stack.client, spec({ name: 'over-budget', command: over })))).toEqual({
        code: status.INVALID_ARGUMENT,
        message: expect.stringContaining(`together are ${BUDGET + 1} bytes; at most ${BUDGET}`),
      });
      const tooMany = Array.from({ length: JOB_LIMITS.maxItems + 1 }, (_, i) => String(i));
      expect(await failure(submit(stack.client, spec({ name: 'over-items', command: ['/bin/echo'], array: { items: tooMany, itemsPerElement: 11, throttle: 0 } })))).toMatchObject({
        code: status.INVALID_ARGUMENT,
        message: expect.stringContaining('at most 10000 items'),
      });
      expect(await failure(submit(stack.client, spec({ name: 'over-args', command: Array.from({ length: 257 }, () => 'a') })))).toMatchObject({
        code: status.INVALID_ARGUMENT,
        message: expect.stringContaining('at most 256 arguments'),
      });
      expect((await stack.client.listJobs({ pageSize: 500, namePrefix: 'over-' })).jobs).toHaveLength(before);
    });

    it('returns GetJobOutput at its maximum (1 MiB) of a job that printed 1 MiB, and of one that printed 1.5 MB', async () => {
      const exact = await submit(stack.client, spec({ name: 'out-1mib', command: ['/bin/sh', '-c', `head -c ${MAX_OUTPUT_BYTES - 4} /dev/zero | tr '\\0' a; printf end!`] }));
      const longer = await submit(stack.client, spec({ name: 'out-1.5mb', command: ['/bin/sh', '-c', `head -c 1500000 /dev/zero | tr '\\0' b; printf tail`] }));
      for (const jobId of [exact, longer]) expect(stateOf((await watchAll(stack.client, jobId)).at(-1)?.state ?? 0)).toBe('COMPLETED');

      const whole = await stack.client.getJobOutput({ jobId: exact, maxBytes: MAX_OUTPUT_BYTES });
      expect(whole.data.length).toBe(MAX_OUTPUT_BYTES);
      expect(whole.truncated).toBe(false);
      expect(Buffer.from(whole.data).subarray(-4).toString()).toBe('end!');
      const end = await stack.client.getJobOutput({ jobId: longer, maxBytes: MAX_OUTPUT_BYTES });
      expect(end.data.length).toBe(MAX_OUTPUT_BYTES);
      expect(end.truncated).toBe(true);
      expect(Buffer.from(end.data).toString()).toBe(`${'b'.repeat(MAX_OUTPUT_BYTES - 4)}tail`);
      expect(await failure(stack.client.getJobOutput({ jobId: exact, maxBytes: MAX_OUTPUT_BYTES + 1 }))).toMatchObject({ code: status.INVALID_ARGUMENT });
    });

    it("reads an array job's output, every element's in order, at the maximum", async () => {
      const jobId = await submit(
        stack.client,
        spec({ name: 'out-array', command: ['/bin/sh', '-c', 'head -c 500000 /dev/zero | tr "\\0" "$0"', '${{ item }}'], array: { items: ['a', 'b', 'c'], itemsPerElement: 1, throttle: 0 } }),
      );
      expect(stateOf((await watchAll(stack.client, jobId)).at(-1)?.state ?? 0)).toBe('COMPLETED');
      const out = await stack.client.getJobOutput({ jobId, maxBytes: MAX_OUTPUT_BYTES });
      expect(out.truncated).toBe(true);
      expect(Buffer.from(out.data).toString()).toBe(`${'a'.repeat(MAX_OUTPUT_BYTES - 1_000_000)}${'b'.repeat(500_000)}${'c'.repeat(500_000)}`);
    });

    it('pages ListJobs at its maximum page size over jobs with long arguments: fewer rows per page, every job once', async () => {
      const prefix = `longargs-${randomUUID().slice(0, 8)}`;
      const command = ['/bin/true', ...filler(BUDGET - 9, '"')];
      const ids: string[] = [];
      for (let i = 0; i < 10; i += 1) ids.push(await submit(stack.client, spec({ name: `${prefix}-${i}`, command })));
      const seen: string[] = [];
      let pageToken = '';
      let pages = 0;
      do {
        const page = await stack.client.listJobs({ pageSize: 500, namePrefix: prefix, pageToken });
        expect(page.jobs.length).toBeGreaterThan(0);
        seen.push(...page.jobs.map((j) => j.jobId));
        pageToken = page.nextPageToken;
        pages += 1;
      } while (pageToken);
      expect(pages).toBeGreaterThan(1);
      expect([...seen].sort()).toEqual([...ids].sort());
    });
  });

  describe('workflows', () => {
    it('plans a file of exactly 256 KiB full of characters JSON escapes, and refuses one byte more', async () => {
      const head = 'version: 1\nname: big\nsteps:\n  a: { command: ["true"], image: lab/busybox:1.36 }\n';
      const padding = MAX_WORKFLOW_SOURCE_BYTES - Buffer.byteLength(head);
      // Comment lines of '"' and '\\' (two bytes each in JSON, as is every newline).
      const comments: string[] = [];
      for (let left = padding; left > 0; left -= 100) comments.push(`#${'"\\'.repeat(50)}`.slice(0, Math.min(100, left) - 1) + '\n');
      const source = `${head}${comments.join('')}`;
      expect(Buffer.byteLength(source)).toBe(MAX_WORKFLOW_SOURCE_BYTES);
      const { plan } = await workflows.submitWorkflow({ source, fileName: 'big.yaml', dryRun: true });
      expect(plan?.steps.map((s) => s.path)).toEqual(['a']);
      expect(await failure(workflows.submitWorkflow({ source: `${source}#`, fileName: 'big.yaml', dryRun: true }))).toMatchObject({
        code: status.INVALID_ARGUMENT,
        message: expect.stringContaining(`at most ${MAX_WORKFLOW_SOURCE_BYTES}`),
      });
    });

    it('refuses a small file whose plan expands to megabytes with RESOURCE_EXHAUSTED, dry run and submit alike', async () => {
      const lines = ['version: 1', 'name: huge-plan', 'defaults: { image: lab/busybox:1.36 }', 'steps:'];
      for (let i = 0; i < 40; i += 1) lines.push(`  s${i}: { command: [x, "\${{ item }}"], array: { range: { from: 1, to: 1000000 }, itemEstimate: 10m, targetDuration: 10m } }`);
      const source = lines.join('\n');
      expect(Buffer.byteLength(source)).toBeLessThan(8192);
      for (const dryRun of [true, false]) {
        expect(await failure(workflows.submitWorkflow({ source, fileName: 'huge.yaml', dryRun }))).toMatchObject({
          code: status.RESOURCE_EXHAUSTED,
          message: expect.stringMatching(/huge\.yaml: the plan is \d+ bytes .*at most 262144 bytes/),
        });
      }
      expect((await workflows.listWorkflows({ namePrefix: 'huge-plan' })).workflows).toHaveLength(0);
    });

    it('runs an array over a lines file at its 1 MiB limit (256 lines of 4095 bytes), split into jobs that fit', async () => {
      const runId = await startRun(
        workflows,
        `
version: 1
name: max-lines
defaults: { image: lab/busybox:1.36, resources: { cpus: 1, memory: 256M, time: 5m } }
steps:
  make:
    command: [/bin/sh, -c, 'line=$(head -c 4095 /dev/zero | tr "\\\\0" x); i=0; while [ $i -lt 256 ]; do echo "$line"; i=$((i + 1)); done > list.txt; wc -c < list.txt']
    outputs: { list: list.txt }
  per-line:
    command: [/bin/sh, -c, 'test "$(printf %s "$0" | wc -c)" -eq 4095', '\${{ item }}']
    array: { lines: '\${{ steps.make.outputs.list }}', itemEstimate: 1s, targetDuration: 10m }
`,
        'lines.yaml',
      );
      const run = await waitForRun(workflows, runId, ended, 240_000);
      expect(runState(run.state)).toBe('SUCCEEDED');
      const step = stepOf(run, 'per-line');
      expect(step.items).toMatchObject({ total: 256, succeeded: 256, failed: 0 });
      // 1 MiB of items cannot travel in one job: at least 8 jobs of at most 128 KiB each.
      expect(step.jobIds.length).toBeGreaterThanOrEqual(8);
      const make = await stack.client.getJobOutput({ jobId: stepOf(run, 'make').jobIds[0] ?? '' });
      expect(Buffer.from(make.data).toString().trim()).toBe(String(1024 * 1024));
    }, 300_000);
  });

  describe('stored records that cannot be sent', () => {
    it('fails 100 stored jobs too large to hand to their agent with the reason, and a normal job after them still runs', async () => {
      const db = new Client({ connectionString: stack.database.url });
      await db.connect();
      const bad: string[] = [];
      try {
        // Records from before the size limits: 1.1 MB of items, too large for any NATS message.
        const items = filler(1_100_000, 'z');
        const oversized = { name: 'stored-big', image: 'lab/busybox:1.36', command: ['/bin/echo', '${{ item }}'], env: {}, resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 60 }, site: stack.site, array: { items, itemsPerElement: 300 } };
        const old = new Date(Date.now() - 3600_000);
        for (let i = 0; i < 100; i += 1) {
          const jobId = randomUUID();
          bad.push(jobId);
          await db.query(
            `INSERT INTO scheduler.jobs (job_id, name, site, spec, image_pinned, image_digest, state, attempt_id, seq, created_at, updated_at,
                                         owner_issuer, owner_subject, owner_name, owner_posix_user, account)
             VALUES ($1, 'stored-big', $2, $3, $4, $5, 'ACCEPTED', $6, 1, $7, $7, $8, $9, 'alice', 'alice', 'alice-lab')`,
            [jobId, stack.site, JSON.stringify(oversized), `127.0.0.1:5000/lab/busybox@sha256:${'a'.repeat(64)}`, `sha256:${'a'.repeat(64)}`, randomUUID(), old, stack.idp.issuer, stack.idp.users.alice.sub],
          );
        }
      } finally {
        await db.end();
      }
      const normal = await submit(stack.client, spec({ name: 'after-bad', command: ['/bin/echo', 'still dispatching'] }));
      const events = await watchAll(stack.client, normal);
      expect(stateOf(events.at(-1)?.state ?? 0)).toBe('COMPLETED');

      const db2 = new Client({ connectionString: stack.database.url });
      await db2.connect();
      try {
        const { rows } = await db2.query<{ state: string; reason: string }>('SELECT state, reason FROM scheduler.jobs WHERE job_id = ANY($1)', [bad]);
        expect(rows).toHaveLength(100);
        for (const row of rows) {
          expect(row.state).toBe('FAILED');
          expect(row.reason).toMatch(/could not be handed to site .*: the request on .* is \d+ bytes; the NATS server accepts at most \d+ bytes/);
        }
      } finally {
        await db2.end();
      }
      // Reading such a record is a clear RESOURCE_EXHAUSTED, not a lost scheduler.
      expect(await failure(stack.client.getJob(bad[0] ?? ''))).toMatchObject({ code: status.RESOURCE_EXHAUSTED });
    }, 180_000);
  });

  describe('sizes around every limit (property-based)', () => {
    /** Resolves to 'OK' or the gRPC status name, failing if the call takes longer than `ms`. */
    async function outcome(call: Promise<unknown>, ms = 20_000): Promise<string> {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      });
      try {
        await Promise.race([call, deadline]);
        return 'OK';
      } catch (error) {
        const code = (error as { code?: number }).code;
        if (code === undefined) throw error;
        return status[code] ?? String(code);
      } finally {
        clearTimeout(timer);
      }
    }

    it('answers every job size just under, at and just over the budget, in command, env or items, with OK or INVALID_ARGUMENT in time', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: BUDGET - 2000, max: BUDGET + 2000 }),
          fc.constantFrom('x', '"', '\\', '\t', 'é'),
          fc.constantFrom('command', 'env', 'items'),
          async (total, char, where) => {
            const head = ['/bin/true'];
            const text = char.repeat(Math.max(1, Math.floor((total - bytes(head)) / Buffer.byteLength(char))));
            const pieces = filler(text.length, char, Math.floor(JOB_LIMITS.maxArgBytes / Buffer.byteLength(char)));
            const request =
              where === 'command'
                ? spec({ name: 'prop-size', command: [...head, ...pieces] })
                : where === 'env'
                  ? spec({ name: 'prop-size', command: head, env: Object.fromEntries(pieces.map((p, i) => [`P${i}`, p])) })
                  : spec({ name: 'prop-size', command: [...head, '${{ item }}'], array: { items: pieces, itemsPerElement: pieces.length, throttle: 0 } });
            const size = bytes(request.command) + bytes(Object.keys(request.env)) + bytes(Object.values(request.env)) + bytes(request.array?.items ?? []);
            const result = await outcome(stack.client.submitJob({ spec: request, requestId: '' }));
            expect(result).toBe(size <= BUDGET && (where !== 'env' || pieces.length <= JOB_LIMITS.maxEnv) ? 'OK' : 'INVALID_ARGUMENT');
          },
        ),
        { numRuns: 12 },
      );
    }, 240_000);

    it('answers GetJobOutput of any max_bytes and ListJobs of any page size with OK or INVALID_ARGUMENT, in time', async () => {
      const jobId = await submit(stack.client, spec({ name: 'prop-out', command: ['/bin/sh', '-c', 'head -c 300000 /dev/zero | tr "\\0" q'] }));
      expect(stateOf((await watchAll(stack.client, jobId)).at(-1)?.state ?? 0)).toBe('COMPLETED');
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: MAX_OUTPUT_BYTES + 10 }), fc.integer({ min: 0, max: 600 }), async (maxBytes, pageSize) => {
          const output = stack.client.getJobOutput({ jobId, maxBytes });
          if (maxBytes > MAX_OUTPUT_BYTES) expect(await outcome(output)).toBe('INVALID_ARGUMENT');
          else expect((await output).data.length).toBe(Math.min(300_000, maxBytes || 65_536));
          expect(await outcome(stack.client.listJobs({ pageSize }))).toBe(pageSize > 500 ? 'INVALID_ARGUMENT' : 'OK');
        }),
        { numRuns: 20 },
      );
    }, 240_000);
  });

  // (In a describe of its own: Jest runs a block's own tests before its nested blocks.)
  describe('afterwards', () => {
    it('leaves every service up and answering after all of it', async () => {
      const nc = await connect({ ...stack.nats.connectOptionsFor(stack.nats.users.monitor), reconnect: false });
      try {
        for (const [name, service] of Object.entries(stack.services)) {
          expect([name, service.pid]).toEqual([name, pids.get(name)]);
          expect(() => process.kill(service.pid ?? -1, 0)).not.toThrow();
          const subject = name === 'agent' ? subjects.site(stack.site).health : subjects.health(name);
          const reply = JSON.parse(new TextDecoder().decode((await nc.request(subject, undefined, { timeout: 5000 })).data)) as { ok: boolean };
          expect(reply.ok).toBe(true);
        }
      } finally {
        await nc.close();
      }
    });
  });
});
