import { CairnError, type JobEvent, type JobRecord } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { CANCEL_AUDIT, openSpecStore, SPEC_OWNER, ScriptedJobs, ScriptedSite, type SpecStore } from './engine-spec-kit';
import { WorkflowEngine } from './workflow-engine';
import type { WorkflowStore } from './workflow.store';

const logger = createLogger('test', 'silent');
const one = <T>(list: T[]): T => {
  expect(list).toHaveLength(1);
  return list[0] as T;
};

describe('WorkflowEngine [real: PGlite]', () => {
  let store: WorkflowStore;
  let close: () => Promise<void>;
  let jobs: ScriptedJobs;
  let site: ScriptedSite;
  let engine: WorkflowEngine;

  let kit: SpecStore;
  const submit = (yaml: string) => kit.submit(yaml);
  const record = (runId: string) => kit.record(runId);

  beforeAll(async () => {
    kit = await openSpecStore('engine-spec-');
    ({ store, close } = kit);
  });
  afterAll(() => close());
  beforeEach(() => {
    jobs = new ScriptedJobs();
    site = new ScriptedSite();
    engine = new WorkflowEngine(store, jobs, site, logger);
  });

  const step = async (runId: string, key: string) => (await record(runId)).steps.find((s) => s.key === key);

  it('submits and cancels a run\'s jobs on behalf of its owner, charged to the run\'s account only', async () => {
    const runId = await submit(`
version: 1
name: behalf
defaults: { image: lab/busybox:1.36 }
steps:
  a: { command: [sleep, "100"] }
`);
    await engine.tick();
    await store.requestCancel(runId, new Date(), CANCEL_AUDIT);
    await engine.tick();
    expect(jobs.onBehalf.length).toBeGreaterThanOrEqual(2);
    for (const who of jobs.onBehalf) {
      expect(who.caller).toEqual({ ...SPEC_OWNER, accounts: ['genomics'], roles: ['user'], projects: [] });
      expect(who.peer).toBe(`workflow-engine run ${runId}`);
    }
    expect([...jobs.jobs.values()].filter((j) => j.spec.name === 'behalf.a').map((j) => [j.owner.subject, j.account])).toEqual([['alice', 'genomics']]);
  });

  it('runs a DAG in dependency order, wiring outputs as paths under /cairn/run', async () => {
    const runId = await submit(`
version: 1
name: dag
defaults: { image: lab/busybox:1.36 }
steps:
  b:
    command: [cat, "\${{ steps.a.outputs.out }}"]
  a:
    command: [sh, -c, "echo hi > out.txt"]
    outputs: { out: out.txt }
`);
    await engine.tick();
    expect([...jobs.jobs.values()].map((j) => j.spec.name)).toEqual(['dag.a']);
    expect((await step(runId, 'b'))?.state).toBe('WAITING');
    const a = jobs.live('dag.a')[0] as JobRecord;
    expect(a.spec.run).toEqual({ id: runId, stepDir: 'a', outputs: ['out.txt'] });
    await engine.tick();
    expect(jobs.submissions).toBe(1);
    jobs.end(a, 'COMPLETED');
    await engine.tick();
    const b = jobs.live('dag.b')[0] as JobRecord;
    expect(b.spec.command).toEqual(['cat', '/cairn/run/a/out.txt']);
    jobs.end(b, 'COMPLETED');
    await engine.tick();
    const done = await record(runId);
    expect(done.state).toBe('SUCCEEDED');
    expect(done.steps.map((s) => [s.key, s.state, s.slurmJobIds.length])).toEqual([
      ['b', 'SUCCEEDED', 1],
      ['a', 'SUCCEEDED', 1],
    ]);
  });

  it('retries only the failed items of an array, then succeeds', async () => {
    const runId = await submit(`
version: 1
name: arr
defaults: { image: lab/busybox:1.36 }
steps:
  each:
    command: [echo, "\${{ item }}"]
    array: { items: [a, b, c, d, e], itemEstimate: 1s, targetDuration: 2s }
    retries: { max: 2 }
`);
    await engine.tick();
    const first = jobs.live('arr.each');
    expect(first).toHaveLength(1);
    // Balanced on the partition's 8 job slots (no throttle): 5 elements of one item, all at once, not 3 of 2.
    expect(first[0]?.spec.array).toMatchObject({ items: ['a', 'b', 'c', 'd', 'e'], indices: [0, 1, 2, 3, 4], itemsPerElement: 1 });
    expect(first[0]?.spec.command).toEqual(['echo', '${{ item }}']);
    site.items.set(one(first).attemptId, [0, 1, 3, 4].map((item) => ({ item, exitCode: 0 })).concat([{ item: 2, exitCode: 7 }]));
    jobs.end(one(first), 'FAILED', 1);
    await engine.tick();
    const retry = jobs.live('arr.each');
    expect(retry).toHaveLength(1);
    expect(retry[0]?.spec.array).toMatchObject({ items: ['c'], indices: [2] });
    expect(await step(runId, 'each')).toMatchObject({ state: 'RUNNING', attempt: 2, items: { total: 5, succeeded: 4, failed: 1 }, failedItems: [2], failedItemExitCodes: [7] });
    jobs.end(one(retry), 'COMPLETED');
    await engine.tick();
    expect(await step(runId, 'each')).toMatchObject({ state: 'SUCCEEDED', items: { total: 5, succeeded: 5, failed: 0 } });
    expect((await record(runId)).state).toBe('SUCCEEDED');
  });

  it('counts items as they finish while the array job runs', async () => {
    const runId = await submit(`
version: 1
name: progress
defaults: { image: lab/busybox:1.36 }
steps:
  each:
    command: [echo, "\${{ item }}"]
    array: { range: { from: 0, to: 9 } }
`);
    await engine.tick();
    const job = one(jobs.live('progress.each'));
    job.state = 'RUNNING';
    site.items.set(job.attemptId, [0, 1, 2].map((item) => ({ item, exitCode: 0 })).concat([{ item: 3, exitCode: 1 }]));
    await engine.tick();
    expect(await step(runId, 'each')).toMatchObject({ state: 'RUNNING', items: { total: 10, succeeded: 3, failed: 1 }, failedItems: [3], failedItemExitCodes: [1] });
  });

  it('packs later iterations and later runs by the item time it measured', async () => {
    const file = `
version: 1
name: learned
defaults: { image: lab/busybox:1.36 }
steps:
  rounds:
    loop:
      maxIterations: 2
      steps:
        sims:
          command: [sim, "\${{ item }}"]
          array: { range: { from: 1, to: 40 }, itemEstimate: 1s, targetDuration: 20s }
`;
    const runId = await submit(file);
    await engine.tick();
    const first = one(jobs.live('learned.rounds-1.sims'));
    // 20 s / 1 s = 20 per element makes 2 elements; balanced on the partition's 8 job slots: 8 × 5.
    expect(first.spec.array?.itemsPerElement).toBe(5);
    site.items.set(first.attemptId, Array.from({ length: 40 }, (_, item) => ({ item, exitCode: 0, seconds: 4 + (item % 3) })));
    jobs.end(first, 'COMPLETED');
    await engine.tick();
    expect(await step(runId, 'rounds[1].sims')).toMatchObject({ state: 'SUCCEEDED', itemSeconds: 5 });
    // Iteration 2 packs by the 5 s measured, not the 1 s estimate: 20 s / 5 s = 4 items per element,
    // 10 elements in 2 waves of 8; balanced: 14 elements × 3 (2 waves).
    const second = one(jobs.live('learned.rounds-2.sims'));
    expect(second.spec.array?.itemsPerElement).toBe(3);
    site.items.set(second.attemptId, Array.from({ length: 40 }, (_, item) => ({ item, exitCode: 0, seconds: 10 })));
    jobs.end(second, 'COMPLETED');
    await engine.tick();
    expect((await record(runId)).state).toBe('SUCCEEDED');
    // The next run of the same workflow starts from the last measurement (10 s → 2 per element, 20 elements in 3 waves: balanced, still 2).
    await submit(file);
    await engine.tick();
    expect(one(jobs.live('learned.rounds-1.sims')).spec.array?.itemsPerElement).toBe(2);
  });

  it('takes array items from the lines of a file and from a glob over an earlier step\'s output', async () => {
    const runId = await submit(`
version: 1
name: src
defaults: { image: lab/busybox:1.36 }
steps:
  make:
    command: [make]
    outputs: { list: list.txt, shards: shards }
  each-line:
    command: [use, "\${{ item }}"]
    array: { lines: "\${{ steps.make.outputs.list }}" }
  each-file:
    command: [use, "\${{ item }}"]
    array: { glob: "\${{ steps.make.outputs.shards }}/*.csv" }
`);
    await engine.tick();
    site.files.set('make/list.txt', 'alpha\r\n\nbeta gamma\n');
    site.globs.set('make/shards/*.csv', ['make/shards/a.csv', 'make/shards/b.csv']);
    jobs.end(one(jobs.live('src.make')), 'COMPLETED');
    await engine.tick();
    expect(one(jobs.live('src.each-line')).spec.array?.items).toEqual(['alpha', 'beta gamma']);
    expect(one(jobs.live('src.each-file')).spec.array?.items).toEqual(['/cairn/run/make/shards/a.csv', '/cairn/run/make/shards/b.csv']);
    expect((await step(runId, 'each-file'))?.items.total).toBe(2);
  });

  it('fails a step whose item source is missing or hostile, with the reason', async () => {
    const runId = await submit(`
version: 1
name: badsrc
defaults: { image: lab/busybox:1.36 }
steps:
  make: { command: [make], outputs: { list: list.txt } }
  a: { command: [use, "\${{ item }}"], array: { lines: "\${{ steps.make.outputs.list }}" } }
  b: { command: [use, "\${{ item }}"], array: { glob: "make/*.none" }, needs: [make] }
`);
    await engine.tick();
    site.files.set('badsrc-unused', '');
    jobs.end(one(jobs.live('badsrc.make')), 'COMPLETED');
    await engine.tick();
    const done = await record(runId);
    expect(done.steps.find((s) => s.key === 'a')).toMatchObject({ state: 'FAILED', reason: 'array.lines: make/list.txt does not exist in the run' });
    expect(done.steps.find((s) => s.key === 'b')).toMatchObject({ state: 'FAILED', reason: 'array.glob: "make/*.none" matches nothing in the run' });
    expect(done.state).toBe('FAILED');
  });

  it('runs an array over the previous decision\'s items: none in iteration 1, the decided ones after', async () => {
    const runId = await submit(`
version: 1
name: decided
defaults: { image: lab/busybox:1.36 }
steps:
  al:
    loop:
      maxIterations: 2
      steps:
        label:
          command: [label, "\${{ item }}"]
          array: { from: "\${{ steps.pick.outputs.next }}" }
        pick:
          decide: true
          command: [pick]
          outputs: { next: next.json }
          needs: [label]
`);
    await engine.tick();
    expect(await step(runId, 'al[1].label')).toMatchObject({ state: 'SUCCEEDED', items: { total: 0 }, reason: 'no items: the loop has no decision before its first iteration' });
    site.files.set('al/1/pick/next.json', JSON.stringify({ items: [11, 42] }));
    jobs.end(one(jobs.live('decided.al-1.pick')), 'COMPLETED');
    await engine.tick();
    expect(one(jobs.live('decided.al-2.label')).spec.array?.items).toEqual(['11', '42']);
  });

  it('fails an array whose items keep failing, skips what needs it, and names the items', async () => {
    const runId = await submit(`
version: 1
name: arrfail
defaults: { image: lab/busybox:1.36 }
steps:
  each:
    command: [echo, "\${{ item }}"]
    array: { range: { from: 1, to: 3 } }
    outputs: { r: r.txt }
  after:
    command: [ls, "\${{ steps.each.outputs.r }}"]
`);
    await engine.tick();
    const job = one(jobs.live('arrfail.each'));
    // Item 1 failed; item 2 never ran (its element hit the time limit).
    site.items.set(job.attemptId, [{ item: 0, exitCode: 0 }, { item: 1, exitCode: 3 }]);
    jobs.end(job, 'TIMEOUT', null);
    await engine.tick();
    const done = await record(runId);
    expect(done.state).toBe('FAILED');
    expect(done.steps.find((s) => s.key === 'each')).toMatchObject({ state: 'FAILED', reason: '2 of 3 items failed (1, 2)', failedItems: [1, 2], failedItemExitCodes: [3, -1] });
    expect(done.steps.find((s) => s.key === 'after')).toMatchObject({ state: 'SKIPPED', reason: 'needs each, which failed' });
    expect(done.reason).toBe('step each failed: 2 of 3 items failed (1, 2)');
    expect(jobs.submissions).toBe(1);
  });

  const LOOP = (until: string, max: number) => `
version: 1
name: al
defaults: { image: lab/busybox:1.36 }
steps:
  learn:
    loop:
      maxIterations: ${max}
      until: "${until}"
      metrics: \${{ steps.evaluate.outputs.metrics }}
      steps:
        train:
          command: [train, --labelled, "\${{ steps.select.outputs.next }}", --it, "\${{ loop.iteration }}"]
          outputs: { model: model.npz }
        evaluate:
          command: [evaluate, "\${{ steps.train.outputs.model }}"]
          outputs: { metrics: metrics.json }
        select:
          decide: true
          command: [select, "\${{ steps.train.outputs.model }}"]
          outputs: { next: next.json }
`;

  async function iterate(runId: string, n: number, accuracy: number): Promise<void> {
    for (const name of ['train', 'evaluate', 'select']) {
      await engine.tick();
      const live = jobs.live(`al.learn-${n}.${name}`);
      expect(live).toHaveLength(1);
      if (name === 'evaluate') site.files.set(`learn/${n}/evaluate/metrics.json`, JSON.stringify({ val: { accuracy }, labelled: n * 100 }));
      if (name === 'select') site.files.set(`learn/${n}/select/next.json`, JSON.stringify({ labelled: n * 100 }));
      jobs.end(one(live), 'COMPLETED');
    }
    await engine.tick();
  }

  it('repeats a loop until its condition holds, recording metrics and decisions', async () => {
    const runId = await submit(LOOP('val.accuracy >= 0.9', 10));
    await iterate(runId, 1, 0.6);
    const train2 = one(jobs.live('al.learn-2.train'));
    expect(train2.spec.command).toEqual(['train', '--labelled', '/cairn/run/learn/1/select/next.json', '--it', '2']);
    expect(train2.spec.run?.stepDir).toBe('learn/2/train');
    await iterate(runId, 2, 0.93);
    const done = await record(runId);
    expect(done.state).toBe('SUCCEEDED');
    expect(done.iterations.map((i) => [i.iteration, i.state, i.metrics['val.accuracy'], i.stop])).toEqual([
      [1, 'SUCCEEDED', 0.6, ''],
      [2, 'SUCCEEDED', 0.93, 'condition'],
    ]);
    expect(done.iterations[1]?.decision).toBe('{"labelled":200}');
    expect(done.steps.find((s) => s.key === 'learn')?.reason).toBe('stopped after iteration 2: "val.accuracy >= 0.9" held');
    expect(done.steps.filter((s) => s.path === 'learn.train').map((s) => s.key)).toEqual(['learn[1].train', 'learn[2].train']);
  });

  it('stops a loop on its iteration budget when the condition never holds', async () => {
    const runId = await submit(LOOP('val.accuracy >= 0.99', 2));
    await iterate(runId, 1, 0.5);
    await iterate(runId, 2, 0.6);
    const done = await record(runId);
    expect(done.state).toBe('SUCCEEDED');
    expect(done.iterations.map((i) => i.stop)).toEqual(['', 'max-iterations']);
    expect(jobs.live('al.learn-3')).toHaveLength(0);
  });

  it('fails the loop with a clear reason when the metrics file is missing', async () => {
    const runId = await submit(LOOP('val.accuracy >= 0.9', 3));
    for (const name of ['train', 'evaluate', 'select']) {
      await engine.tick();
      if (name === 'select') site.files.set('learn/1/select/next.json', '{}');
      jobs.end(one(jobs.live(`al.learn-1.${name}`)), 'COMPLETED');
    }
    await engine.tick();
    const done = await record(runId);
    expect(done.state).toBe('FAILED');
    expect(done.steps.find((s) => s.key === 'learn')?.reason).toBe('iteration 1: the metrics file learn/1/evaluate/metrics.json was not written by step learn[1].evaluate');
  });

  it('requeues a step stopped by its time limit when it has a checkpoint', async () => {
    const runId = await submit(`
version: 1
name: ckpt
defaults: { image: lab/busybox:1.36 }
steps:
  long:
    command: [work]
    checkpoint: { path: ckpt/ }
`);
    await engine.tick();
    jobs.end(one(jobs.live('ckpt.long')), 'TIMEOUT', null);
    await engine.tick();
    const again = jobs.live('ckpt.long');
    expect(again).toHaveLength(1);
    expect(again[0]?.spec.run?.stepDir).toBe('long');
    expect(await step(runId, 'long')).toMatchObject({ state: 'RUNNING', requeues: 1, attempt: 1 });
    jobs.end(one(again), 'COMPLETED');
    await engine.tick();
    expect((await record(runId)).state).toBe('SUCCEEDED');
  });

  it('retries a failed step after its backoff, then gives up', async () => {
    let now = new Date('2026-11-25T10:00:00Z');
    engine = new WorkflowEngine(store, jobs, site, logger, () => now);
    const runId = await submit(`
version: 1
name: retry
defaults: { image: lab/busybox:1.36 }
steps:
  flaky:
    command: [work]
    retries: { max: 1, backoff: 30s }
`);
    await engine.tick();
    jobs.end(one(jobs.live('retry.flaky')), 'FAILED', 2);
    await engine.tick();
    expect(await step(runId, 'flaky')).toMatchObject({ state: 'RUNNING', attempt: 2, reason: 'job failed with exit code 2; retrying the step (retry 1 of 1) in 30 s' });
    expect(jobs.live('retry.flaky')).toHaveLength(0);
    now = new Date(now.getTime() + 31_000);
    await engine.tick();
    jobs.end(one(jobs.live('retry.flaky')), 'FAILED', 2);
    await engine.tick();
    expect(await step(runId, 'flaky')).toMatchObject({ state: 'FAILED', reason: 'job failed with exit code 2; no retries left (1)' });
  });

  it('cancels: running jobs are cancelled, waiting steps too, then the run', async () => {
    const runId = await submit(`
version: 1
name: cx
defaults: { image: lab/busybox:1.36 }
steps:
  a: { command: [sleep, "100"] }
  b: { command: [echo], needs: [a] }
`);
    await engine.tick();
    await store.requestCancel(runId, new Date(), CANCEL_AUDIT);
    await engine.tick();
    expect(jobs.live('cx.a')).toHaveLength(0);
    await engine.tick();
    const done = await record(runId);
    expect(done.state).toBe('CANCELLED');
    expect(done.steps.map((s) => s.state)).toEqual(['CANCELLED', 'CANCELLED']);
  });

  it("acts on a job's final event at once: the end is recorded from the event (the job is not read), its run is advanced first and reported, once; without the event a pass reads the job", async () => {
    const file = (name: string) => `
version: 1
name: ${name}
defaults: { image: lab/busybox:1.36 }
steps:
  each:
    command: [echo, "\${{ item }}"]
    array: { items: [a, b, c] }
  after: { command: [echo], needs: [each] }
`;
    const older = await submit(file('fin-older'));
    const runId = await submit(file('fin'));
    await engine.tick();
    const job = one(jobs.live('fin.each'));
    site.items.set(job.attemptId, [0, 1, 2].map((item) => ({ item, exitCode: 0 })));
    jobs.end(job, 'COMPLETED');
    // The job service does not answer now: only the event can tell the engine the job ended.
    jobs.refusals.set('byIds', new CairnError('UNAVAILABLE', 'restarting'));
    const event: JobEvent = { jobId: job.jobId, sequence: 4, state: 'COMPLETED', exitCode: 0, slurmJobId: job.slurmJobId, reason: '', time: new Date().toISOString() };
    engine.noteEnded(event);
    engine.noteEnded(event);
    // A plain job's end (no workflow's) changes nothing.
    engine.noteEnded({ ...event, jobId: '00000000-0000-4000-8000-0000000fffff' });
    const advanced: string[] = [];
    const order = jest.spyOn(engine, 'advance');
    await engine.tick((id) => advanced.push(id));
    expect(order.mock.calls[0]?.[0]).toBe(runId);
    expect(order.mock.calls.map(([id]) => id)).toContain(older);
    order.mockRestore();
    expect(advanced).toEqual([runId]);
    expect(await step(runId, 'each')).toMatchObject({ state: 'SUCCEEDED', items: { total: 3, succeeded: 3, failed: 0 } });
    expect(jobs.live('fin.after')).toHaveLength(1);
    expect(await step(older, 'each')).toMatchObject({ state: 'RUNNING' });
    // The same event again (a redelivery): nothing is recorded twice.
    const events = async () => (await store.unpublished(10_000)).filter((e) => e.run_id === runId).length;
    const before = await events();
    engine.noteEnded(event);
    await engine.tick((id) => advanced.push(id));
    expect(advanced).toEqual([runId]);
    expect(await events()).toBe(before);
    // No event (lost, or a restarted engine): a pass reads the job once the service answers.
    jobs.refusals.set('byIds', undefined);
    jobs.end(one(jobs.live('fin.after')), 'COMPLETED');
    await new WorkflowEngine(store, jobs, site, logger).tick();
    expect((await record(runId)).state).toBe('SUCCEEDED');
    expect(jobs.submissions).toBe(3);
    // The other run ends here (the specs share one database).
    await store.requestCancel(older, new Date(), CANCEL_AUDIT);
    await engine.tick();
    await engine.tick();
    expect((await record(older)).state).toBe('CANCELLED');
  });

  it('a new engine on the same database continues without submitting anything twice', async () => {
    const runId = await submit(`
version: 1
name: restart
defaults: { image: lab/busybox:1.36 }
steps:
  a: { command: [echo] }
  b: { command: [echo], needs: [a] }
`);
    await engine.tick();
    const second = new WorkflowEngine(store, jobs, site, logger);
    await second.tick();
    expect(jobs.submissions).toBe(1);
    jobs.end(one(jobs.live('restart.a')), 'COMPLETED');
    await second.tick();
    await engine.tick();
    expect(jobs.submissions).toBe(2);
    jobs.end(one(jobs.live('restart.b')), 'COMPLETED');
    await second.tick();
    expect((await record(runId)).state).toBe('SUCCEEDED');
  });

  it('records every change as an event, in order', async () => {
    const runId = await submit(`
version: 1
name: ev
defaults: { image: lab/busybox:1.36 }
steps:
  a: { command: [echo] }
`);
    await engine.tick();
    jobs.end(one(jobs.live('ev.a')), 'COMPLETED');
    await engine.tick();
    const events = (await store.unpublished(1000)).filter((e) => e.run_id === runId).map((e) => e.payload as { sequence: number; kind: string; step?: { state: string; jobIds: string[] }; run?: { state: string } });
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    // The step starts, then its job id (the job service took the job) comes with an event of its own (ADR 0019).
    expect(events.map((e) => e.run?.state ?? e.step?.state)).toEqual(['RUNNING', 'WAITING', 'RUNNING', 'RUNNING', 'SUCCEEDED', 'SUCCEEDED']);
    expect(events.map((e) => e.step?.jobIds.length ?? null)).toEqual([null, 0, 0, 1, 1, null]);
    // Every change the run's record shows came with an event: the last step event shows the record's step (and its needs).
    const last = events.filter((e) => e.step).pop()?.step;
    expect(last).toMatchObject((await record(runId)).steps[0] ?? {});
  });
});
