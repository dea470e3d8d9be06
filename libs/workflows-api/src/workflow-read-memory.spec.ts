import fc from 'fast-check';
import { canRead, inScope, listScope } from '@cairn/access';
import { type Principal, WORKFLOW_STATES, type WorkflowRecord, type WorkflowState } from '@cairn/contracts';
import { principals } from '@cairn/testing';
import { type RunsPage, type RunsPageQuery, runsPageThrough, runThrough, WorkflowReadMemory } from './workflow-read-memory';

const dave: Principal = { ...principals.bob, subject: 'dave', name: 'dave', posixUser: 'dave', accounts: ['ops'], roles: ['user'], projects: [] };
const erin: Principal = { ...principals.carol, subject: 'erin', name: 'erin', posixUser: 'erin' };
const READERS: readonly Principal[] = [principals.alice, principals.bob, principals.carol, dave, erin];
const SUBMITTERS: readonly Principal[] = [principals.alice, principals.bob, dave];

/** A refusal as the scheduler gives it to a caller who may not read the run (or for a missing one). */
class NotFound extends Error {}

/**
 * A stand-in for the scheduler's runs (their records change with an event each, as the
 * engine's outbox has it) and its GetWorkflow/ListWorkflows under the access policy.
 */
class Scheduler {
  readonly runs = new Map<string, WorkflowRecord>();
  private clock = 0;

  private time(): string {
    this.clock += 1;
    return new Date(Date.UTC(2026, 11, 2) + this.clock * 1000).toISOString();
  }

  insert(owner: Principal, account: string, name: string): WorkflowRecord {
    const time = this.time();
    const runId = `00000000-0000-4000-8000-${String(this.clock).padStart(12, '0')}`;
    const record: WorkflowRecord = {
      runId,
      name,
      site: 'dev',
      fileName: 'w.yaml',
      state: 'RUNNING',
      reason: '',
      createTime: time,
      updateTime: time,
      steps: [],
      iterations: [],
      owner: { issuer: owner.issuer, subject: owner.subject, name: owner.name, posixUser: owner.posixUser },
      account,
    };
    this.runs.set(runId, record);
    return record;
  }

  /** A change of the run (a step, a job id, the end): its record shows something new. */
  change(runId: string, state: WorkflowState): WorkflowRecord | undefined {
    const current = this.runs.get(runId);
    if (!current) return undefined;
    const next = { ...current, state, updateTime: this.time(), reason: `change ${this.clock}` };
    this.runs.set(runId, next);
    return next;
  }

  get(runId: string, caller: Principal): WorkflowRecord {
    const run = this.runs.get(runId);
    if (!run || !canRead(caller, run.owner, run.account)) throw new NotFound(runId);
    return structuredClone(run);
  }

  list(query: RunsPageQuery, caller: Principal): RunsPage {
    const scope = listScope(caller);
    const all = [...this.runs.values()]
      .filter((r) => inScope(scope, r.owner, r.account))
      .filter((r) => query.states.length === 0 || query.states.includes(r.state))
      .filter((r) => !query.namePrefix || r.name.startsWith(query.namePrefix))
      .sort((a, b) => b.createTime.localeCompare(a.createTime));
    const from = Number(query.pageToken ?? '0');
    return { workflows: structuredClone(all.slice(from, from + query.pageSize)), nextPageToken: from + query.pageSize < all.length ? String(from + query.pageSize) : '' };
  }
}

const query: fc.Arbitrary<RunsPageQuery> = fc
  .record({
    pageSize: fc.constantFrom(1, 2, 50, 50),
    pageToken: fc.constantFrom('', '', '1'),
    states: fc.oneof(fc.constant<WorkflowState[]>([]), fc.subarray([...WORKFLOW_STATES], { maxLength: 2 })),
    namePrefix: fc.constantFrom('', '', 'a'),
  })
  .map(({ pageSize, pageToken, states, namePrefix }) => ({ pageSize, states, ...(pageToken ? { pageToken } : {}), ...(namePrefix ? { namePrefix } : {}) }));

const op = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('submit' as const), who: fc.nat({ max: SUBMITTERS.length - 1 }), account: fc.constantFrom('alice-lab', 'genomics', 'ops'), name: fc.constantFrom('a1', 'b') }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('elsewhere' as const), who: fc.nat({ max: SUBMITTERS.length - 1 }), account: fc.constantFrom('alice-lab', 'genomics', 'ops'), name: fc.constantFrom('a1', 'b') }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('change' as const), run: fc.nat({ max: 10 }), state: fc.constantFrom(...WORKFLOW_STATES) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('cancel' as const), run: fc.nat({ max: 10 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('relay' as const), count: fc.integer({ min: 1, max: 3 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('get' as const), who: fc.nat({ max: READERS.length - 1 }), run: fc.nat({ max: 10 }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('list' as const), who: fc.nat({ max: READERS.length - 1 }), query: fc.nat({ max: 2 }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('begin' as const), who: fc.nat({ max: READERS.length - 1 }), run: fc.nat({ max: 10 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('end' as const) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 1500 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('restart' as const) }), weight: 1 },
);

const outcome = (read: () => Promise<WorkflowRecord>) =>
  read().then(
    (record) => ({ record }),
    (error: unknown) => ({ refused: error instanceof NotFound }),
  );

describe('WorkflowReadMemory', () => {
  it("answers GetWorkflow and ListWorkflows exactly as the scheduler once every committed change reached the stream, only to whom the access policy lets read, and a read after an acknowledged SubmitWorkflow always finds the run (property: any events, any readers)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(query, { minLength: 3, maxLength: 3 }), fc.array(op, { minLength: 1, maxLength: 80 }), async (queries, ops) => {
        let clock = 0;
        const memory = new WorkflowReadMemory({}, () => clock);
        memory.open();
        const scheduler = new Scheduler();
        const unpublished: string[] = [];
        const inFlight: { answer: Promise<unknown>; release: () => void }[] = [];
        const acknowledged = new Map<Principal, WorkflowRecord[]>();
        const runAt = (n: number) => [...scheduler.runs.keys()][n % Math.max(1, scheduler.runs.size)] ?? '00000000-0000-4000-8000-999999999999';
        const get = (who: Principal, runId: string) => outcome(() => runThrough(memory, runId, who, () => Promise.resolve().then(() => scheduler.get(runId, who))));
        for (const o of ops) {
          switch (o.kind) {
            case 'submit': {
              const who = SUBMITTERS[o.who] ?? dave;
              const record = scheduler.insert(who, o.account, o.name);
              unpublished.push(record.runId);
              memory.changed(record.runId);
              acknowledged.set(who, [...(acknowledged.get(who) ?? []), record]);
              break;
            }
            case 'elsewhere':
              unpublished.push(scheduler.insert(SUBMITTERS[o.who] ?? dave, o.account, o.name).runId);
              break;
            case 'change': {
              const record = scheduler.change(runAt(o.run), o.state);
              if (record) unpublished.push(record.runId);
              break;
            }
            case 'cancel': {
              // This gateway's CancelWorkflow: the scheduler records it (the run's end comes later, with an event).
              memory.changed(runAt(o.run));
              break;
            }
            case 'relay':
              for (const runId of unpublished.splice(0, o.count)) memory.apply({ runId });
              break;
            case 'get': {
              const who = READERS[o.who] ?? dave;
              const runId = runAt(o.run);
              const got = await get(who, runId);
              const truth = await outcome(() => Promise.resolve().then(() => scheduler.get(runId, who)));
              if ('record' in got) expect(canRead(who, got.record.owner, got.record.account)).toBe(true);
              if (unpublished.length === 0) expect(got).toEqual(truth);
              // Its own acknowledged run: found (the scheduler's answer or a newer one).
              if ((acknowledged.get(who) ?? []).some((r) => r.runId === runId)) expect(got).toMatchObject({ record: { runId } });
              break;
            }
            case 'list': {
              const who = READERS[o.who] ?? dave;
              const q = queries[o.query] ?? { pageSize: 50, states: [] };
              const page = await runsPageThrough(memory, q, who, () => Promise.resolve(scheduler.list(q, who)));
              for (const run of page.workflows) expect(canRead(who, run.owner, run.account)).toBe(true);
              if (unpublished.length === 0) expect(page).toEqual(scheduler.list(q, who));
              if (!q.pageToken && q.pageSize === 50 && q.states.length === 0)
                for (const run of acknowledged.get(who) ?? []) if (!q.namePrefix || run.name.startsWith(q.namePrefix)) expect(page.workflows.map((w) => w.runId)).toContain(run.runId);
              break;
            }
            case 'begin': {
              const who = READERS[o.who] ?? dave;
              const runId = runAt(o.run);
              const answer = outcome(() => Promise.resolve().then(() => scheduler.get(runId, who)));
              let release: () => void = () => undefined;
              const gate = new Promise<void>((resolve) => (release = resolve));
              inFlight.push({
                answer: outcome(() =>
                  runThrough(memory, runId, who, async () => {
                    const a = await answer;
                    await gate;
                    if ('record' in a) return a.record;
                    throw new NotFound(runId);
                  }),
                ),
                release,
              });
              break;
            }
            case 'end': {
              const first = inFlight.shift();
              first?.release();
              await first?.answer;
              break;
            }
            case 'tick':
              clock += o.ms;
              break;
            case 'restart':
              memory.close();
              memory.open();
              break;
          }
        }
        for (const f of inFlight.splice(0)) {
          f.release();
          await f.answer;
        }
        for (const runId of unpublished.splice(0)) memory.apply({ runId });
        for (const who of READERS) {
          for (const runId of scheduler.runs.keys()) {
            const truth = await outcome(() => Promise.resolve().then(() => scheduler.get(runId, who)));
            expect(await get(who, runId)).toEqual(truth);
            expect(await get(who, runId)).toEqual(truth);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("never shows bob alice's alice-lab run, though the memory holds it for alice; shows him her genomics run; carol (admin) sees both", async () => {
    const memory = new WorkflowReadMemory();
    memory.open();
    const scheduler = new Scheduler();
    const lab = scheduler.insert(principals.alice, 'alice-lab', 'a');
    const gen = scheduler.insert(principals.alice, 'genomics', 'b');
    memory.rememberRun(lab, memory.mark());
    memory.rememberRun(gen, memory.mark());
    expect(memory.readRun(lab.runId, principals.alice)).toBe(lab);
    expect(memory.readRun(lab.runId, principals.bob)).toBeUndefined();
    expect(memory.readRun(gen.runId, principals.bob)).toBe(gen);
    expect(memory.readRun(lab.runId, principals.carol)).toBe(lab);
    // Bob's miss goes to the scheduler: its NOT_FOUND (and audit), never the remembered record.
    await expect(runThrough(memory, lab.runId, principals.bob, () => Promise.resolve().then(() => scheduler.get(lab.runId, principals.bob)))).rejects.toBeInstanceOf(NotFound);
  });

  it('drops a run on its own events only, every page on any event; answers nothing before the stream is followed, after it stopped, or past the confirmation window', () => {
    let clock = 0;
    const memory = new WorkflowReadMemory({ confirmMs: 2000 }, () => clock);
    const scheduler = new Scheduler();
    const a = scheduler.insert(principals.alice, 'alice-lab', 'a');
    const b = scheduler.insert(principals.alice, 'alice-lab', 'b');
    const q: RunsPageQuery = { pageSize: 10, states: [] };
    const page: RunsPage = { workflows: [a, b], nextPageToken: '' };
    memory.rememberRun(a, memory.mark());
    expect(memory.readRun(a.runId, principals.alice)).toBeUndefined();
    memory.open();
    memory.rememberRun(a, memory.mark());
    memory.rememberRun(b, memory.mark());
    memory.rememberPage(q, principals.alice, page, memory.mark());
    expect(memory.readPage(q, principals.alice)).toBe(page);
    const begun = memory.mark();
    memory.apply({ runId: b.runId });
    expect(memory.readRun(a.runId, principals.alice)).toBe(a);
    expect(memory.readRun(b.runId, principals.alice)).toBeUndefined();
    expect(memory.readPage(q, principals.alice)).toBeUndefined();
    memory.rememberRun(b, begun);
    memory.rememberPage(q, principals.alice, page, begun);
    expect(memory.readRun(b.runId, principals.alice)).toBeUndefined();
    expect(memory.readPage(q, principals.alice)).toBeUndefined();
    // A new run through another binding of this gateway (its id not known yet): the pages go, the runs stay.
    memory.rememberRun(b, memory.mark());
    memory.rememberPage(q, principals.alice, page, memory.mark());
    memory.changed(undefined);
    expect(memory.readPage(q, principals.alice)).toBeUndefined();
    expect(memory.readRun(b.runId, principals.alice)).toBe(b);
    clock = 2001;
    expect(memory.readRun(a.runId, principals.alice)).toBeUndefined();
    memory.rememberRun(a, memory.mark());
    memory.close();
    expect(memory.readRun(a.runId, principals.alice)).toBeUndefined();
  });

  it('keeps at most its limits of entries and characters (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.tuple(fc.boolean(), fc.nat({ max: 9 })), { maxLength: 50 }), (maxEntries, puts) => {
        const memory = new WorkflowReadMemory({ maxEntries });
        memory.open();
        const scheduler = new Scheduler();
        const runs = Array.from({ length: 10 }, (_, n) => scheduler.insert(principals.alice, 'alice-lab', `r${n}`));
        for (const [asPage, n] of puts) {
          const run = runs[n] ?? runs[0];
          if (!run) continue;
          if (asPage) memory.rememberPage({ pageSize: n + 1, states: [] }, principals.alice, { workflows: [run], nextPageToken: '' }, memory.mark());
          else memory.rememberRun(run, memory.mark());
          expect(memory.size).toBeLessThanOrEqual(maxEntries);
        }
      }),
      { numRuns: 300 },
    );
  });
});
