import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'nats';
import { jobEventSchema, pb, streams, subjects, workflowEventSchema } from '@cairn/contracts';
import type { WorkflowsClient } from '@cairn/client';
import { type CairnStack, waitFor } from '@cairn/testing';
import { cairnSlurmJobCount, cairnSlurmSubmissionsSince, slurmClock, slurmJobsNamed } from './job-helpers';
import { eventsOn } from './provenance-helpers';
import { ended, runState, startRun, stepOf, stepState, waitForRun, watchRun, useWorkflowStack } from './workflow-helpers';

const W = pb.WorkflowState;

describe('WorkflowService end to end [real: gateway, scheduler, images, agent, nats-server, PostgreSQL, registry, slurmctld, slurmd, ch-run]', () => {
  const env = useWorkflowStack();
  let stack: CairnStack;
  let client: WorkflowsClient;
  const runDir = env.runDir;

  beforeAll(() => {
    stack = env.stack();
    client = env.client();
  });

  /** The Slurm jobs of a step's Cairn jobs: exactly one each (an array job counts once), or the test fails. */
  async function slurmJobsOf(step: pb.WorkflowStep): Promise<string[]> {
    const ids: string[] = [];
    for (const jobId of step.jobIds) {
      const job = await stack.client.getJob(jobId);
      const found = new Set(slurmJobsNamed(`cairn-${job.attemptId}`).map((id) => id.split('_')[0]));
      expect([...found]).toEqual([job.slurmJobId]);
      ids.push(job.slurmJobId);
    }
    return ids;
  }

  it('runs a DAG with an array: outputs flow through /cairn/run, and a failing item is retried alone', async () => {
    const runId = await startRun(
      client,
      `
version: 1
name: e2e-dag
defaults: { image: lab/busybox:1.36, resources: { cpus: 1, memory: 256M, time: 5m } }
steps:
  produce:
    command: [/bin/sh, -c, 'echo 21 > n.txt']
    outputs: { n: n.txt }
  square:
    command: [/bin/sh, -c, 'if [ "$0" = 4 ] && [ ! -e ../tried ]; then touch ../tried; exit 3; fi; echo $(($0 * $0)) > r.txt', '\${{ item }}']
    array: { items: [1, 2, 3, 4, 5, 6], itemEstimate: 1s, targetDuration: 2s }
    retries: { max: 1 }
    outputs: { r: r.txt }
  total:
    command: [/bin/sh, -c, 'n=$(cat "$0"); s=0; for f in "$1"/*/r.txt; do s=$((s + $(cat "$f"))); done; echo "$n $s" > total.txt', '\${{ steps.produce.outputs.n }}', '\${{ steps.square.outputs.r }}']
    outputs: { t: total.txt }
`,
    );
    const run = await waitForRun(client, runId, ended);
    expect(runState(run.state)).toBe('SUCCEEDED');
    expect(run.steps.map((s) => [s.key, stepState(s.state)])).toEqual([
      ['produce', 'SUCCEEDED'],
      ['square', 'SUCCEEDED'],
      ['total', 'SUCCEEDED'],
    ]);
    expect(readFileSync(runDir(runId, 'total', 'total.txt'), 'utf8')).toBe('21 91\n');

    const square = stepOf(run, 'square');
    expect(square).toMatchObject({ attempt: 2, items: { total: 6, succeeded: 6, failed: 0 } });
    expect(square.jobIds).toHaveLength(2);
    // The retry ran item index 3 (the value 4) alone, as one more Slurm array job.
    const retry = await stack.client.getJob(square.jobIds[1] as string);
    expect(retry.spec?.array?.items).toEqual(['4']);
    expect(await slurmJobsOf(square)).toHaveLength(2);
    for (const i of [0, 1, 2, 3, 4, 5]) expect(existsSync(runDir(runId, 'square', String(i), 'r.txt'))).toBe(true);
  });

  it('publishes what provenance needs: the run’s first event what was submitted, each job’s ACCEPTED event what it is, the array’s items their results', async () => {
    const source = `
version: 1
name: e2e-facts
params: { n: 7 }
defaults: { image: lab/busybox:1.36, resources: { cpus: 1, memory: 256M, time: 5m } }
steps:
  produce:
    command: [/bin/sh, -c, 'echo $0 > n.txt', '\${{ params.n }}']
    outputs: { n: n.txt }
  square:
    command: [/bin/sh, -c, 'echo $(($(cat "$1") * $0)) > r.txt', '\${{ item }}', '\${{ steps.produce.outputs.n }}']
    array: { items: [2, 3] }
    outputs: { r: r.txt }
`;
    const runId = await startRun(client, source, 'flows/facts.yaml');
    const run = await waitForRun(client, runId, ended);
    expect(runState(run.state)).toBe('SUCCEEDED');
    const nc = await connect(stack.nats.connectOptionsFor(stack.nats.users.gateway));
    try {
      const events = (await eventsOn(nc, streams.workflowEvents.name, subjects.workflowEvents(runId))).map((e) => workflowEventSchema.parse(e));
      const submitted = events[0]?.submitted;
      expect(events[0]).toMatchObject({ sequence: 1, kind: 'run', run: { state: 'RUNNING' } });
      expect(submitted).toMatchObject({
        name: 'e2e-facts',
        fileName: 'flows/facts.yaml',
        source,
        sourceSha256: createHash('sha256').update(source).digest('hex'),
        params: { n: 7 },
        owner: { issuer: run.owner?.issuer, subject: run.owner?.subject, name: run.owner?.name, posixUser: run.owner?.posixUser },
        account: run.account,
        site: run.site,
      });
      const image = submitted?.images[0];
      expect(submitted?.images).toEqual([{ reference: 'lab/busybox:1.36', imageRef: expect.stringMatching(/^[^@]+\/lab\/busybox@sha256:[0-9a-f]{64}$/), digest: expect.stringMatching(/^sha256:/) }]);
      expect(image?.imageRef.endsWith(`@${image.digest}`)).toBe(true);

      const [produceJob] = stepOf(run, 'produce').jobIds;
      const [squareJob] = stepOf(run, 'square').jobIds;
      const acceptedOf = async (jobId: string | undefined) => {
        const jobEvents = (await eventsOn(nc, streams.jobEvents.name, subjects.jobEvents(jobId as string))).map((e) => jobEventSchema.parse(e));
        expect([jobEvents[0]?.state, jobEvents.at(-1)?.state]).toEqual(['ACCEPTED', 'COMPLETED']);
        expect(jobEvents.slice(1).every((e) => e.facts === undefined)).toBe(true);
        return jobEvents[0]?.facts;
      };
      const common = { owner: submitted?.owner, account: run.account, site: run.site, imageRef: image?.imageRef, digest: image?.digest, runId };
      expect(await acceptedOf(produceJob)).toMatchObject({ ...common, name: 'e2e-facts.produce', command: ['/bin/sh', '-c', 'echo $0 > n.txt', '7'], items: 0, stepDir: 'produce' });
      expect(await acceptedOf(produceJob)).not.toHaveProperty('uses');
      expect(await acceptedOf(squareJob)).toMatchObject({ ...common, items: 2, stepDir: 'square', uses: ['produce/n.txt'] });

      const items = events.filter((e) => e.kind === 'items').map((e) => e.items);
      expect(items.map((i) => [i?.stepKey, i?.items.map((item) => [item.index, item.exitCode, item.jobId])])).toEqual([
        [
          'square',
          [
            [0, 0, squareJob],
            [1, 0, squareJob],
          ],
        ],
      ]);
      expect(items[0]?.items.every((item) => item.slurmJobId !== '')).toBe(true);
    } finally {
      await nc.close();
    }
  });

  const loopFile = (name: string, until: string, maxIterations: number) => `
version: 1
name: ${name}
defaults: { image: lab/busybox:1.36, resources: { cpus: 1, memory: 256M, time: 5m } }
steps:
  learn:
    loop:
      maxIterations: ${maxIterations}
      until: "${until}"
      metrics: \${{ steps.evaluate.outputs.metrics }}
      steps:
        train:
          command: [/bin/sh, -c, 'prev=0; [ -e "$0" ] && prev=$(sed "s/[^0-9]//g" "$0"); echo $((prev + 10)) > model.txt', '\${{ steps.select.outputs.next }}']
          outputs: { model: model.txt }
        evaluate:
          command: [/bin/sh, -c, 'echo "{\\"score\\": $(cat "$0"), \\"iteration\\": $1}" > metrics.json', '\${{ steps.train.outputs.model }}', '\${{ loop.iteration }}']
          outputs: { metrics: metrics.json }
        select:
          decide: true
          command: [/bin/sh, -c, 'echo "{\\"labelled\\": $(cat "$0")}" > next.json', '\${{ steps.train.outputs.model }}']
          outputs: { next: next.json }
`;

  it('repeats a loop until its condition holds, feeding each decision to the next iteration, and streams it all', async () => {
    const runId = await startRun(client, loopFile('e2e-loop', 'score >= 30', 6));
    const events = await watchRun(client, runId);
    const last = events[events.length - 1];
    expect(last).toMatchObject({ kind: 'run', state: W.WORKFLOW_STATE_SUCCEEDED });
    const iterations = events.filter((e) => e.kind === 'iteration' && e.iteration?.endTime).map((e) => e.iteration as pb.LoopIteration);
    expect(iterations.map((i) => [i.iteration, i.metrics.score, i.stop])).toEqual([
      [1, 10, ''],
      [2, 20, ''],
      [3, 30, 'condition'],
    ]);
    expect(iterations[2]?.decision.trim()).toBe('{"labelled": 30}');
    expect(events.some((e) => e.kind === 'step' && e.step?.key === 'learn[2].train' && e.step.state === pb.StepState.STEP_STATE_SUCCEEDED)).toBe(true);
    const run = await client.getWorkflow(runId);
    expect(stepOf(run, 'learn').reason).toBe('stopped after iteration 3: "score >= 30" held');
    expect(run.iterations).toHaveLength(3);
  });

  it('stops a loop on its iteration budget when the condition never holds', async () => {
    const runId = await startRun(client, loopFile('e2e-budget', 'score >= 1000', 2));
    const run = await waitForRun(client, runId, ended);
    expect(runState(run.state)).toBe('SUCCEEDED');
    expect(run.iterations.map((i) => [i.iteration, i.metrics.score, i.stop])).toEqual([
      [1, 10, ''],
      [2, 20, 'max-iterations'],
    ]);
    expect(run.steps.filter((s) => s.key.startsWith('learn[3]'))).toHaveLength(0);
  });

  it('cancel stops the running Slurm job and everything after it', async () => {
    const runId = await startRun(
      client,
      `
version: 1
name: e2e-cancel
defaults: { image: lab/busybox:1.36, resources: { cpus: 1, memory: 256M, time: 5m } }
steps:
  slow: { command: [sleep, "300"] }
  after: { command: ["true"], needs: [slow] }
`,
    );
    const running = await waitForRun(client, runId, (w) => stepOf(w, 'slow').slurmJobIds.length === 1);
    const slurmJobId = stepOf(running, 'slow').slurmJobIds[0] as string;
    await client.cancelWorkflow(runId);
    const run = await waitForRun(client, runId, ended, 60_000);
    expect(runState(run.state)).toBe('CANCELLED');
    expect(run.steps.map((s) => stepState(s.state))).toEqual(['CANCELLED', 'CANCELLED']);
    const job = await stack.client.getJob(stepOf(run, 'slow').jobIds[0] as string);
    expect(pb.JobState[job.state]).toBe('JOB_STATE_CANCELLED');
    expect(job.slurmJobId).toBe(slurmJobId);
  });

  it('the scheduler killed mid-run finishes the run with exactly one Slurm job per array chunk attempt', async () => {
    const since = await slurmClock();
    const runId = await startRun(
      client,
      `
version: 1
name: e2e-restart
defaults: { image: lab/busybox:1.36, resources: { cpus: 1, memory: 256M, time: 5m } }
steps:
  each:
    command: [/bin/sh, -c, 'sleep 2; echo $0 > out.txt', '\${{ item }}']
    outputs: { out: out.txt }
    array: { range: { from: 1, to: 8 }, itemEstimate: 2s, targetDuration: 4s, throttle: 4 }
  after:
    command: [/bin/sh, -c, 'ls "$0" | wc -l > count.txt', '\${{ steps.each.outputs.out }}']
    outputs: { count: count.txt }
`,
    );
    await waitForRun(client, runId, (w) => stepOf(w, 'each').slurmJobIds.length === 1, 60_000);
    await stack.services.scheduler.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 3000));
    await stack.services.scheduler.start();
    const run = await waitForRun(client, runId, ended);
    expect(runState(run.state)).toBe('SUCCEEDED');
    expect(await slurmJobsOf(stepOf(run, 'each'))).toHaveLength(1);
    expect(await slurmJobsOf(stepOf(run, 'after'))).toHaveLength(1);
    // slurmdbd records submissions a moment after they happen.
    await waitFor('the submissions in Slurm accounting', async () => (cairnSlurmSubmissionsSince(since, stack.dir) >= 2 ? true : undefined), 30_000, 500);
    expect(cairnSlurmSubmissionsSince(since, stack.dir)).toBe(2);
    expect(readFileSync(runDir(runId, 'after', 'count.txt'), 'utf8').trim()).toBe('8');
    // Across the restart (and the engine acting on the jobs' final events), every transition
    // once: one items event for the array, each step's and the run's end once, nothing lost.
    const nc = await connect(stack.nats.connectOptionsFor(stack.nats.users.gateway));
    try {
      const events = await waitFor(
        "the run's last event in the stream",
        async () => {
          const all = (await eventsOn(nc, streams.workflowEvents.name, subjects.workflowEvents(runId))).map((e) => workflowEventSchema.parse(e));
          return all.some((e) => e.run?.state === 'SUCCEEDED') ? all : undefined;
        },
        30_000,
        500,
      );
      expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
      expect(events.filter((e) => e.kind === 'items').map((e) => e.items?.stepKey)).toEqual(['each']);
      expect(events.filter((e) => e.step?.state === 'SUCCEEDED').map((e) => e.step?.key)).toEqual(['each', 'after']);
      expect(events.filter((e) => e.run?.state === 'SUCCEEDED')).toHaveLength(1);
    } finally {
      await nc.close();
    }
  });

  it('requeues a step stopped by its time limit, and it resumes from its checkpoint', async () => {
    const runId = await startRun(
      client,
      `
version: 1
name: e2e-checkpoint
defaults: { image: lab/busybox:1.36, resources: { cpus: 1, memory: 256M } }
steps:
  long:
    command: [/bin/sh, -c, 'if [ -e ckpt/state ]; then echo "resumed at $(cat ckpt/state)" > done.txt; exit 0; fi; mkdir -p ckpt; echo epoch-41 > ckpt/state; sleep 600']
    resources: { time: 1m }
    checkpoint: { path: ckpt/ }
    outputs: { done: done.txt }
`,
    );
    const run = await waitForRun(client, runId, ended, 240_000);
    expect(runState(run.state)).toBe('SUCCEEDED');
    const step = stepOf(run, 'long');
    expect(step).toMatchObject({ requeues: 1, attempt: 1 });
    expect(step.jobIds).toHaveLength(2);
    const first = await stack.client.getJob(step.jobIds[0] as string);
    expect(pb.JobState[first.state]).toBe('JOB_STATE_TIMEOUT');
    expect(readFileSync(runDir(runId, 'long', 'done.txt'), 'utf8')).toBe('resumed at epoch-41\n');
  }, 300_000);

  it('takes items from the lines of a file and from a glob over files an earlier step wrote; survives the agent killed mid-array', async () => {
    const since = await slurmClock();
    const runId = await startRun(
      client,
      `
version: 1
name: e2e-sources
defaults: { image: lab/busybox:1.36, resources: { cpus: 1, memory: 256M, time: 5m } }
steps:
  make:
    command: [/bin/sh, -c, 'printf "red\\n\\ngreen blue\\n" > list.txt; mkdir -p shards; for s in 1 2 3; do echo "shard $s" > shards/$s.csv; done; touch shards/skip.txt']
    outputs: { list: list.txt, shards: shards }
  per-line:
    command: [/bin/sh, -c, 'sleep 2; echo "$0" > line.txt', '\${{ item }}']
    array: { lines: '\${{ steps.make.outputs.list }}' }
  per-file:
    command: [/bin/sh, -c, 'cat "$0" > copy.txt', '\${{ item }}']
    array: { glob: '\${{ steps.make.outputs.shards }}/*.csv' }
`,
    );
    await waitForRun(client, runId, (w) => stepOf(w, 'per-line').slurmJobIds.length === 1, 60_000);
    await stack.services.agent.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 2000));
    await stack.services.agent.start();
    const run = await waitForRun(client, runId, ended);
    expect(runState(run.state)).toBe('SUCCEEDED');
    expect(stepOf(run, 'per-line').items?.total).toBe(2);
    expect(readFileSync(runDir(runId, 'per-line', '1', 'line.txt'), 'utf8')).toBe('green blue\n');
    expect(stepOf(run, 'per-file').items?.total).toBe(3);
    expect(readFileSync(runDir(runId, 'per-file', '2', 'copy.txt'), 'utf8')).toBe('shard 3\n');
    await waitFor('the submissions in Slurm accounting', async () => (cairnSlurmSubmissionsSince(since, stack.dir) >= 3 ? true : undefined), 30_000, 500);
    expect(cairnSlurmSubmissionsSince(since, stack.dir)).toBe(3);
  });

  it('refuses invalid files with precise messages and submits nothing', async () => {
    const before = cairnSlurmJobCount(stack.dir);
    // gRPC codes: 3 INVALID_ARGUMENT; 5 NOT_FOUND (a missing image keeps the code of its resolution).
    const cases: [string, RegExp, number?][] = [
      ['version: 1\nname: x\nsteps: {a: {command: ["true"], image: lab/busybox:1.36}\n', /wf\.yaml:/],
      ['version: 1\nname: x\nsteps:\n  a: { comand: [true], image: lab/busybox:1.36 }\n', /unknown field "comand"; did you mean "command"/],
      ['version: 1\nname: x\ndefaults: { image: lab/busybox:1.36 }\nsteps:\n  a: { command: ["true"], needs: [b] }\n  b: { command: ["true"], needs: [a] }\n', /steps form a cycle/],
      ['version: 1\nname: x\nsteps:\n  a: { command: ["true"], image: lab/nope:1 }\n', /steps\.a: .*lab\/nope/, 5],
      ['version: 1\nname: x\nsteps:\n  a: { command: ["true"], image: lab/busybox:1.36, resources: { cpus: 64 } }\n', /no node of partition .* can run it: 64 CPUs asked/],
      ['version: 1\nname: x\nsteps:\n  a: { command: ["true"], image: lab/busybox:1.36, env: { CAIRN_X: "1" } }\n', /steps\.a: env\.CAIRN_X: must not start with SLURM_ or CAIRN_/],
      ['version: 1\nname: "x; rm -rf /"\nsteps:\n  a: { command: ["true"], image: lab/busybox:1.36 }\n', /name: must be a workflow name/],
      ['version: 1\nname: x\nsteps:\n  a: { command: ["a\\nb"], image: lab/busybox:1.36 }\n', /contains a newline/],
    ];
    for (const [source, message, code = 3] of cases) {
      await expect(client.submitWorkflow({ source, fileName: 'wf.yaml' })).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    }
    const listed = await client.listWorkflows({ namePrefix: 'x' });
    expect(listed.workflows).toHaveLength(0);
    expect(cairnSlurmJobCount(stack.dir)).toBe(before);
  });

  it('lists runs newest first by name, and a request id makes submission idempotent', async () => {
    const source = 'version: 1\nname: e2e-list\nsteps:\n  a: { command: ["true"], image: lab/busybox:1.36 }\n';
    const first = await startRun(client, source, 'wf.yaml', 'e2e-list-once');
    const again = await startRun(client, source, 'wf.yaml', 'e2e-list-once');
    expect(again).toBe(first);
    const second = await startRun(client, source);
    const listed = await client.listWorkflows({ namePrefix: 'e2e-list' });
    expect(listed.workflows.map((w) => w.runId)).toEqual([second, first]);
    expect(listed.workflows[0]?.steps).toEqual([]);
    await waitForRun(client, second, ended);
    const done = await client.listWorkflows({ namePrefix: 'e2e-list', states: [W.WORKFLOW_STATE_SUCCEEDED] });
    expect(done.workflows.map((w) => w.runId)).toContain(second);
  });
});
