import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  type ItemFacts,
  type JobRecord,
  jsonBytes,
  MAX_HASHED_FILES,
  MAX_ITEMS_PER_EVENT,
  MAX_WORKFLOW_SOURCE_BYTES,
  ownerOf,
  type PlanWorkflowCommand,
  type WorkflowEvent,
  workflowEventSchema,
} from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { as, principals, strictMock } from '@cairn/testing';
import { parseWorkflow } from '@cairn/workflow-language';
import { planWorkflow } from '@cairn/workflow-planner';
import { openSpecStore, ScriptedJobs, ScriptedSite, SITE, type SpecStore } from './engine-spec-kit';
import { itemsEvents, MAX_ITEMS_EVENT_BYTES } from './item-facts';
import { runSubmitted } from './run-submitted';
import { WorkflowEngine } from './workflow-engine';
import type { WorkflowPlanningService } from './workflow-planning.service';
import { WorkflowRunService } from './workflow-run.service';
import type { WorkflowStore } from './workflow.store';

const logger = createLogger('test', 'silent');
const NATS_BODY_MAX = 1024 * 1024 - 1024;
const pinnedOf = (image: string) => `reg/${image.replace(/:.*$/, '')}@sha256:${createHash('sha256').update(image).digest('hex')}`;
const eventsOf = async (store: WorkflowStore, runId: string) =>
  (await store.unpublished(100_000)).filter((e) => e.run_id === runId).map((e) => workflowEventSchema.parse(e.payload) as WorkflowEvent);

const SOURCE = `version: 1
name: prov
params: { lr: 0.1, label: "a \\"quoted\\" one", full: true }
defaults: { image: lab/busybox:1.36 }
steps:
  prepare: { command: [prep, "\${{ params.lr }}"], outputs: { pool: pool.npz } }
  learn:
    loop:
      maxIterations: 2
      steps:
        train: { image: lab/python:3, command: [train, "\${{ steps.prepare.outputs.pool }}"] }
`;

let kit: SpecStore;
beforeAll(async () => {
  kit = await openSpecStore('wf-prov-');
}, 120_000);
afterAll(() => kit.close());

describe('what a run tells provenance: its first event, rerunOf, items events [real: PGlite]', () => {
  let store: WorkflowStore;
  let runs: WorkflowRunService;
  const planning = strictMock<WorkflowPlanningService>(
    {
      parseAndPlan: async (command: PlanWorkflowCommand) => {
        const workflow = parseWorkflow(command.source, command.fileName);
        const plan = planWorkflow(workflow, SITE);
        const pin = (steps: typeof plan.steps) => steps.forEach((s) => (s.loop ? pin(s.loop.steps) : (s.imageDigest = s.image ? pinnedOf(s.image) : undefined)));
        pin(plan.steps);
        return { workflow, plan, images: [] };
      },
    },
    'planning',
  );
  const wake = { wake: () => undefined };

  beforeAll(() => {
    store = kit.store;
    runs = new WorkflowRunService(store, planning, { engine: wake, outbox: wake }, logger);
  });

  it('the run’s first event carries the file as submitted, its sha256, the params, owner, account, site and every image pinned', async () => {
    const { workflow } = await runs.submit({ source: SOURCE, fileName: 'flows/prov.yaml', defaultSite: SITE.site, ...as.alice });
    const [first] = await eventsOf(store, workflow.runId);
    expect(first?.kind).toBe('run');
    expect(first?.sequence).toBe(1);
    expect(first?.submitted).toEqual({
      name: 'prov',
      fileName: 'flows/prov.yaml',
      source: SOURCE,
      sourceSha256: createHash('sha256').update(SOURCE).digest('hex'),
      params: { lr: 0.1, label: 'a "quoted" one', full: true },
      owner: ownerOf(principals.alice),
      account: workflow.account,
      site: SITE.site,
      images: [
        { reference: 'lab/busybox:1.36', imageRef: pinnedOf('lab/busybox:1.36'), digest: pinnedOf('lab/busybox:1.36').split('@')[1] },
        { reference: 'lab/python:3', imageRef: pinnedOf('lab/python:3'), digest: pinnedOf('lab/python:3').split('@')[1] },
      ],
    });
    expect(workflow.rerunOf).toBeUndefined();
    // Only the first event carries it.
    await store.finishRun(workflow.runId, 'CANCELLED', 'test', new Date());
    expect((await eventsOf(store, workflow.runId)).slice(1).every((e) => e.submitted === undefined)).toBe(true);
  });

  it('a re-run records the run it re-ran: on its record (GetWorkflow) and its first event', async () => {
    const original = (await runs.submit({ source: SOURCE, fileName: 'prov.yaml', defaultSite: SITE.site, ...as.alice })).workflow;
    const rerun = (await runs.submit({ source: SOURCE, fileName: 'prov.yaml', defaultSite: SITE.site, rerunOf: original.runId, ...as.alice })).workflow;
    expect(rerun.rerunOf).toBe(original.runId);
    expect((await runs.get(rerun.runId, as.alice)).rerunOf).toBe(original.runId);
    expect((await runs.list({ states: [], pageSize: 100, pageToken: '', namePrefix: '', ...as.alice })).workflows.find((w) => w.runId === rerun.runId)?.rerunOf).toBe(original.runId);
    const [first] = await eventsOf(store, rerun.runId);
    expect(first?.submitted?.rerunOf).toBe(original.runId);
  });

  it('a file at the 256 KiB limit, its params quote-heavy, still fits one event (params left out past MAX_SUBMITTED_BYTES)', () => {
    const value = '"'.repeat(4000);
    let source = 'version: 1\nname: big\nparams:\n';
    for (let i = 0; Buffer.byteLength(source) + 4100 < MAX_WORKFLOW_SOURCE_BYTES - 200; i += 1) source += `  p${i}: '${value}'\n`;
    source += 'steps:\n  a: { image: lab/busybox:1.36, command: [a] }\n';
    expect(Buffer.byteLength(source)).toBeLessThanOrEqual(MAX_WORKFLOW_SOURCE_BYTES);
    const workflow = parseWorkflow(source, 'big.yaml');
    const plan = planWorkflow(workflow, SITE);
    const submitted = runSubmitted({ source, fileName: 'big.yaml', workflow, plan, owner: ownerOf(principals.alice), account: 'genomics' });
    const event = { runId: '20000000-0000-4000-8000-00000000ffff', sequence: 1, time: new Date().toISOString(), kind: 'run' as const, run: { state: 'RUNNING' as const, reason: '' }, submitted };
    expect(workflowEventSchema.parse(event)).toEqual(event);
    expect(jsonBytes(event)).toBeLessThan(NATS_BODY_MAX);
    expect(submitted.source).toBe(source);
    // A small file keeps its params.
    const small = parseWorkflow(SOURCE, 'p.yaml');
    expect(runSubmitted({ source: SOURCE, fileName: 'p.yaml', workflow: small, plan: planWorkflow(small, SITE), owner: ownerOf(principals.alice), account: 'a' }).params).toEqual({ lr: 0.1, label: 'a "quoted" one', full: true });
  });
});

const JOB = '00000000-0000-4000-8000-000000000001';
const item = (index: number, extra: Partial<ItemFacts> = {}): ItemFacts => ({ index, exitCode: 0, jobId: JOB, slurmJobId: '77', ...extra });

describe('items events: at most MAX_ITEMS_PER_EVENT items and MAX_ITEMS_EVENT_BYTES each', () => {
  const asEvent = (items: ReturnType<typeof itemsEvents>[number], sequence: number) =>
    workflowEventSchema.parse({ runId: '20000000-0000-4000-8000-000000000001', sequence, time: new Date().toISOString(), kind: 'items', items });

  it('chunks by count at the maximum, in index order', () => {
    const count = (n: number) => itemsEvents('sweep', Array.from({ length: n }, (_, i) => item(n - 1 - i))).map((e) => e.items.length);
    expect(count(0)).toEqual([]);
    expect(count(1)).toEqual([1]);
    expect(count(MAX_ITEMS_PER_EVENT)).toEqual([MAX_ITEMS_PER_EVENT]);
    expect(count(MAX_ITEMS_PER_EVENT + 1)).toEqual([MAX_ITEMS_PER_EVENT, 1]);
    expect(count(10_000)).toEqual(Array.from({ length: 20 }, () => MAX_ITEMS_PER_EVENT));
    const events = itemsEvents('sweep', Array.from({ length: 1234 }, (_, i) => item(1233 - i)));
    expect(events.flatMap((e) => e.items.map((i) => i.index))).toEqual(Array.from({ length: 1234 }, (_, i) => i));
    events.forEach((e, n) => expect(asEvent(e, n + 1).items).toEqual(e));
  });

  it('chunks by bytes when items carry the most run facts they may: every event fits a NATS message', () => {
    const file = (i: number, n: number) => ({ path: `${n}/${'p'.repeat(1000)}${i}`, sha256: 'f'.repeat(64), size: Number.MAX_SAFE_INTEGER, kind: 'file' as const });
    const heavy = Array.from({ length: 40 }, (_, n) =>
      item(n, { host: 'h'.repeat(255), startTime: new Date().toISOString(), endTime: new Date().toISOString(), outputs: Array.from({ length: MAX_HASHED_FILES }, (_, i) => file(i, n)), unhashed: Array.from({ length: MAX_HASHED_FILES }, () => 'u'.repeat(1024)) }),
    );
    const events = itemsEvents('learn[2].sweep', heavy);
    expect(events.length).toBeGreaterThan(1);
    expect(events.flatMap((e) => e.items)).toEqual(heavy);
    events.forEach((e, n) => {
      expect(jsonBytes(e.items)).toBeLessThanOrEqual(MAX_ITEMS_EVENT_BYTES);
      expect(jsonBytes(asEvent(e, n + 1))).toBeLessThan(NATS_BODY_MAX);
    });
  });
});

describe('step and items events of a running workflow [real: PGlite]', () => {
  it('the ended job’s items are emitted with the exit codes they record, in the same transaction, before the step’s event', async () => {
    const jobs = new ScriptedJobs();
    const site = new ScriptedSite();
    const engine = new WorkflowEngine(kit.store, jobs, site, logger);
    const runId = await kit.submit(`
version: 1
name: sweep
defaults: { image: lab/busybox:1.36 }
steps:
  sweep: { command: [sim, "\${{ item }}"], array: { items: [a, b, c] }, outputs: { result: result.json } }
`);
    await engine.tick();
    const job = jobs.live('sweep.sweep')[0] as JobRecord;
    expect(job.spec.run?.outputs).toEqual(['result.json']);
    const measured = { host: 'c1', startTime: '2026-12-01T10:00:00.000Z', endTime: '2026-12-01T10:00:02.000Z', outputs: [{ path: '0/result.json', sha256: 'a'.repeat(64), size: 3, kind: 'file' as const }] };
    site.items.set(job.attemptId, [
      { item: 0, exitCode: 0, seconds: 2, run: { ...measured, inputs: [{ path: '/not/an/item/fact', sha256: 'b'.repeat(64), size: 1, kind: 'file' }] } },
      { item: 1, exitCode: 3, run: { host: 'c2\u0000' } },
    ]);
    jobs.end(job, 'FAILED', 1);
    await engine.tick();
    const events = await eventsOf(kit.store, runId);
    const items = events.filter((e) => e.kind === 'items');
    expect(items.map((e) => e.items)).toEqual([
      {
        stepKey: 'sweep',
        items: [
          { index: 0, exitCode: 0, jobId: job.jobId, slurmJobId: job.slurmJobId, ...measured },
          { index: 1, exitCode: 3, jobId: job.jobId, slurmJobId: job.slurmJobId, host: 'c2\uFFFD' },
          { index: 2, exitCode: null, jobId: job.jobId, slurmJobId: job.slurmJobId },
        ],
      },
    ]);
    const at = events.indexOf(items[0] as WorkflowEvent);
    expect(events[at + 1]?.kind).toBe('step');
    expect(events[at + 1]?.step?.failedItems).toEqual([1, 2]);
  });

  it('step events name the instances each one waits for (needs and output references, in its scope)', async () => {
    const jobs = new ScriptedJobs();
    const engine = new WorkflowEngine(kit.store, jobs, new ScriptedSite(), logger);
    const runId = await kit.submit(`
version: 1
name: needs
defaults: { image: lab/busybox:1.36 }
steps:
  a: { command: [a], outputs: { o: o.txt } }
  b: { command: [b, "\${{ steps.a.outputs.o }}"] }
  c: { command: [c], needs: [a, b] }
  learn:
    needs: [c]
    loop:
      maxIterations: 1
      steps:
        train: { command: [t, "\${{ steps.pick.outputs.next }}", "\${{ steps.a.outputs.o }}"], outputs: { m: m.txt } }
        evaluate: { command: [e, "\${{ steps.train.outputs.m }}"] }
        pick: { decide: true, command: [p, "\${{ steps.train.outputs.m }}"], outputs: { next: next.json } }
`);
    for (const name of ['needs.a', 'needs.b', 'needs.c']) {
      await engine.tick();
      for (const job of jobs.live(name)) jobs.end(job, 'COMPLETED');
    }
    await engine.tick();
    const needs = new Map<string, string[] | undefined>();
    for (const e of await eventsOf(kit.store, runId)) if (e.step) needs.set(e.step.key, e.step.needs);
    expect(Object.fromEntries(needs)).toEqual({
      a: [],
      b: ['a'],
      c: ['a', 'b'],
      learn: ['c', 'a'],
      'learn[1].train': [],
      'learn[1].evaluate': ['learn[1].train'],
      'learn[1].pick': ['learn[1].train'],
    });
  });

  it('hostile text in item records never stops the step from settling; its items event parses', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), async (host, path) => {
        const jobs = new ScriptedJobs();
        const site = new ScriptedSite();
        const engine = new WorkflowEngine(kit.store, jobs, site, logger);
        const runId = await kit.submit('version: 1\nname: h\ndefaults: { image: lab/busybox:1.36 }\nsteps:\n  s: { command: [x], array: { items: [1] } }\n');
        await engine.tick();
        const job = jobs.live('h.s')[0] as JobRecord;
        site.items.set(job.attemptId, [{ item: 0, exitCode: 0, run: { host, outputs: [{ path, sha256: 'c'.repeat(64), size: 1, kind: 'file' }], unhashed: [path] } }]);
        jobs.end(job, 'COMPLETED');
        await engine.tick();
        expect((await kit.record(runId)).steps.find((s) => s.key === 's')?.state).toBe('SUCCEEDED');
        const items = (await eventsOf(kit.store, runId)).filter((e) => e.kind === 'items');
        expect(items).toHaveLength(1);
        expect(items[0]?.items?.items[0]?.index).toBe(0);
      }),
      { numRuns: 8 },
    );
  });
});
