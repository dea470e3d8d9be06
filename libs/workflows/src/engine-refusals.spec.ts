import { CairnError, type ErrorCode } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { CANCEL_AUDIT, openSpecStore, type PortCall, Refusals, ScriptedJobs, ScriptedSite, type SpecStore } from './engine-spec-kit';
import { classifyRefusal } from './engine-ports';
import { WorkflowEngine } from './workflow-engine';
import type { TransientRetryPolicy } from './transient-retries';

const logger = createLogger('test', 'silent');
const PERMANENT: ErrorCode[] = ['INVALID_ARGUMENT', 'NOT_FOUND', 'FAILED_PRECONDITION', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED'];
const TRANSIENT: ErrorCode[] = ['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'INTERNAL'];
/** Tries at 0, 1, 3, 7 and 10 s: the fifth, at the budget's end, fails the step. */
const POLICY: TransientRetryPolicy = { firstDelayMs: 1000, maxDelayMs: 4000, budgetMs: 10_000 };

interface Ctx {
  jobs: ScriptedJobs;
  site: ScriptedSite;
  tick(): Promise<void>;
}

/** A place where the engine asks a port, the workflow that gets there, and what fails. */
interface CallSite {
  name: string;
  call: PortCall;
  yaml: string;
  /** The step instance that fails, and one that needs it. */
  failing: string;
  skipped: string;
  /** Runs the workflow up to the call (the refusal is set after). */
  reach?: (ctx: Ctx) => Promise<void>;
  /** The start of the failing instance's reason for a permanent refusal. */
  permanentPrefix: string;
}

const wf = (steps: string) => `version: 1\nname: r\ndefaults: { image: lab/busybox:1.36 }\nsteps:\n${steps}  after: { command: [echo, done], needs: [${steps.startsWith('  learn') ? 'learn' : 'a'}] }\n`;

const SITES: CallSite[] = [
  {
    name: 'array.lines (readRunFile)',
    call: 'readRunFile',
    yaml: wf('  a: { command: [use, "${{ item }}"], array: { lines: list.txt } }\n'),
    failing: 'a',
    skipped: 'after',
    permanentPrefix: 'array.lines: list.txt: ',
  },
  {
    name: 'array.from (readRunFile)',
    call: 'readRunFile',
    yaml: wf('  make: { command: [make], outputs: { list: list.json } }\n  a: { command: [use, "${{ item }}"], array: { from: "${{ steps.make.outputs.list }}" } }\n'),
    failing: 'a',
    skipped: 'after',
    reach: async ({ jobs, tick }) => {
      await tick();
      const [job] = jobs.live('r.make');
      if (!job) throw new Error('no make job');
      jobs.end(job, 'COMPLETED');
    },
    permanentPrefix: 'array.from: make/list.json: ',
  },
  {
    name: 'array.glob (globRun)',
    call: 'globRun',
    yaml: wf('  a: { command: [use, "${{ item }}"], array: { glob: "shards/*.csv" } }\n'),
    failing: 'a',
    skipped: 'after',
    permanentPrefix: 'array.glob: "shards/*.csv": ',
  },
  {
    name: 'array packing (describe)',
    call: 'describe',
    yaml: wf('  a: { command: [use, "${{ item }}"], array: { items: [1, 2, 3] } }\n'),
    failing: 'a',
    skipped: 'after',
    permanentPrefix: 'site dev refused: ',
  },
  {
    name: 'item records of an ended array job (itemResults)',
    call: 'itemResults',
    yaml: wf('  a: { command: [use, "${{ item }}"], array: { items: [1, 2, 3] } }\n'),
    failing: 'a',
    skipped: 'after',
    reach: async ({ jobs, tick }) => {
      await tick();
      const [job] = jobs.live('r.a');
      if (!job) throw new Error('no array job');
      jobs.end(job, 'FAILED');
    },
    permanentPrefix: 'site dev refused the item records of job ',
  },
  {
    name: 'a loop\'s metrics (readRunFile)',
    call: 'readRunFile',
    yaml: wf(
      '  learn:\n    loop:\n      maxIterations: 2\n      until: "score >= 1"\n      metrics: ${{ steps.evaluate.outputs.metrics }}\n      steps:\n        evaluate: { command: [evaluate], outputs: { metrics: metrics.json } }\n',
    ),
    failing: 'learn',
    skipped: 'after',
    reach: async ({ jobs, tick }) => {
      await tick();
      const [job] = jobs.live('r.learn-1.evaluate');
      if (!job) throw new Error('no evaluate job');
      jobs.end(job, 'COMPLETED');
    },
    permanentPrefix: 'iteration 1: the metrics file learn/1/evaluate/metrics.json: ',
  },
  {
    name: 'submitting a job (submit)',
    call: 'submit',
    yaml: wf('  a: { command: [echo, hi] }\n'),
    failing: 'a',
    skipped: 'after',
    permanentPrefix: 'job failed (refused: ',
  },
];

describe('WorkflowEngine: refusals of the agent and the job service [real: PGlite]', () => {
  let kit: SpecStore;
  let now: Date;
  let jobs: ScriptedJobs;
  let site: ScriptedSite;
  let refusals: Refusals;
  let engine: WorkflowEngine;
  const newEngine = () => new WorkflowEngine(kit.store, jobs, site, logger, () => now, POLICY);
  const ctx: Ctx = {
    get jobs() {
      return jobs;
    },
    get site() {
      return site;
    },
    tick: () => engine.tick(),
  };
  const later = (ms: number) => {
    now = new Date(now.getTime() + ms);
  };

  beforeAll(async () => {
    kit = await openSpecStore('engine-refusals-');
  });
  afterAll(() => kit.close());
  beforeEach(() => {
    now = new Date('2026-06-01T00:00:00Z');
    refusals = new Refusals();
    jobs = new ScriptedJobs(refusals);
    site = new ScriptedSite(refusals);
    engine = newEngine();
  });

  it('classifies every error code once: limits and bad requests are permanent, silence and internal errors transient', () => {
    for (const code of PERMANENT) expect(classifyRefusal(new CairnError(code, 'x'))).toMatchObject({ transient: false, code });
    for (const code of TRANSIENT) expect(classifyRefusal(new CairnError(code, 'x'))).toMatchObject({ transient: true, code });
    expect(classifyRefusal(new TypeError('a bug'))).toBeUndefined();
    expect(classifyRefusal(new CairnError('NOT_FOUND', 'x'.repeat(1_000_000)))?.message.length).toBeLessThanOrEqual(1003);
  });

  describe.each(SITES)('at $name', (callSite) => {
    it.each(PERMANENT)('%s fails the step once with the agent\'s reason, skips what needs it, and ends the run FAILED', async (code) => {
      const runId = await kit.submit(callSite.yaml);
      await callSite.reach?.(ctx);
      const message = `refused by the test (${code})`;
      refusals.set(callSite.call, new CairnError(code, message));
      const before = refusals.calls.get(callSite.call) ?? 0;
      for (let i = 0; i < 5; i += 1) {
        await engine.tick();
        later(1000);
      }
      const done = await kit.record(runId);
      const failing = done.steps.find((s) => s.key === callSite.failing);
      expect(failing?.state).toBe('FAILED');
      expect(failing?.reason.startsWith(callSite.permanentPrefix)).toBe(true);
      expect(failing?.reason).toContain(message);
      expect(done.steps.find((s) => s.key === callSite.skipped)).toMatchObject({ state: 'SKIPPED', reason: `needs ${callSite.failing}, which failed` });
      expect(done.state).toBe('FAILED');
      expect(done.reason).toContain(message);
      expect((refusals.calls.get(callSite.call) ?? 0) - before).toBe(1);
    });

    it.each(TRANSIENT)('%s is retried with backoff (kept across a restart), then fails the step with "site unreachable"', async (code) => {
      const runId = await kit.submit(callSite.yaml);
      await callSite.reach?.(ctx);
      const message = `no answer in the test (${code})`;
      refusals.set(callSite.call, new CairnError(code, message));
      const before = refusals.calls.get(callSite.call) ?? 0;
      const tries = () => (refusals.calls.get(callSite.call) ?? 0) - before;
      await engine.tick();
      expect(tries()).toBe(1);
      const waiting = await kit.record(runId);
      expect(waiting.state).toBe('RUNNING');
      expect(waiting.steps.find((s) => s.key === callSite.failing)?.reason).toMatch(/did not answer \(try 1; next in 1 s\)/);
      // Nothing is asked again before the recorded time, however often the engine looks.
      for (let i = 0; i < 3; i += 1) await engine.tick();
      expect(tries()).toBe(1);
      later(1000);
      await engine.tick();
      expect(tries()).toBe(2);
      // A new scheduler on the same database keeps the count and the next try.
      engine = newEngine();
      later(1000);
      await engine.tick();
      expect(tries()).toBe(2);
      for (let i = 0; i < 12; i += 1) {
        later(1000);
        await engine.tick();
      }
      expect(tries()).toBe(5);
      const done = await kit.record(runId);
      const target = callSite.call === 'submit' ? 'the job service' : 'site dev';
      expect(done.steps.find((s) => s.key === callSite.failing)?.reason).toContain(`${target} unreachable for 10 s (5 tries): ${message}`);
      expect(done.steps.find((s) => s.key === callSite.failing)?.state).toBe('FAILED');
      expect(done.steps.find((s) => s.key === callSite.skipped)?.state).toBe('SKIPPED');
      expect(done.state).toBe('FAILED');
    });
  });

  it('goes on once the site answers again, and forgets the failed tries', async () => {
    const runId = await kit.submit(SITES[0]?.yaml ?? '');
    site.files.set('list.txt', 'x\ny\n');
    refusals.queue('readRunFile', new CairnError('UNAVAILABLE', 'agent restarting'), new CairnError('DEADLINE_EXCEEDED', 'slow'));
    await engine.tick();
    later(1000);
    await engine.tick();
    expect((await kit.record(runId)).steps.find((s) => s.key === 'a')?.reason).toMatch(/try 2; next in 2 s/);
    later(2000);
    await engine.tick();
    const step = (await kit.record(runId)).steps.find((s) => s.key === 'a');
    expect(step).toMatchObject({ state: 'RUNNING', reason: '', items: { total: 2 } });
    const node = (await kit.store.nodes(runId)).find((n) => n.key === 'a');
    expect(node).toMatchObject({ transient_tries: 0, transient_since: null, transient_retry_at: null });
  });

  it('an item record refused for a completed array job only loses item times', async () => {
    const runId = await kit.submit(SITES[3]?.yaml ?? '');
    await engine.tick();
    const [job] = jobs.live('r.a');
    if (!job) throw new Error('no array job');
    jobs.end(job, 'COMPLETED');
    refusals.set('itemResults', new CairnError('UNAVAILABLE', 'gone'));
    await engine.tick();
    expect((await kit.record(runId)).steps.find((s) => s.key === 'a')?.state).toBe('SUCCEEDED');
  });

  it('job states the job service does not report now are read on a later pass; a job it refuses to report fails', async () => {
    const runId = await kit.submit(wf('  a: { command: [echo, a] }\n  b: { command: [echo, b] }\n'));
    await engine.tick();
    refusals.set('byIds', new CairnError('UNAVAILABLE', 'restarting'));
    for (const job of jobs.live('r.')) jobs.end(job, 'COMPLETED');
    await engine.tick();
    expect((await kit.record(runId)).steps.find((s) => s.key === 'a')?.state).toBe('RUNNING');
    refusals.set('byIds', undefined);
    await engine.tick();
    expect((await kit.record(runId)).steps.find((s) => s.key === 'a')?.state).toBe('SUCCEEDED');

    // A batch with one job the service refuses: halved until that job is found.
    const second = await kit.submit(wf('  a: { command: [echo, a] }\n  b: { command: [echo, b] }\n'));
    await engine.tick();
    const live = jobs.live('r.').filter((j) => j.spec.run?.id === second);
    expect(live).toHaveLength(2);
    const bad = live[0]?.jobId;
    const original = jobs.byIds.bind(jobs);
    jobs.byIds = async (ids) => {
      if (ids.length > 1 || ids[0] === bad) throw new CairnError('RESOURCE_EXHAUSTED', 'reply too large');
      return original(ids);
    };
    await engine.tick();
    const done = await kit.record(second);
    const failed = done.steps.filter((s) => s.state === 'FAILED');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.reason).toContain('the job service cannot report it: reply too large');
  });

  it('cancelling a run whose job the service no longer knows still ends the run', async () => {
    const runId = await kit.submit(wf('  a: { command: [echo, a] }\n'));
    await engine.tick();
    await kit.store.requestCancel(runId, now, CANCEL_AUDIT);
    refusals.set('cancel', new CairnError('UNAVAILABLE', 'restarting'));
    await engine.tick();
    expect((await kit.record(runId)).state).toBe('RUNNING');
    refusals.set('cancel', new CairnError('NOT_FOUND', 'no such job'));
    await engine.tick();
    expect((await kit.record(runId)).state).toBe('CANCELLED');
  });
});
