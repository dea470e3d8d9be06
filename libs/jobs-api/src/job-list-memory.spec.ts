import fc from 'fast-check';
import { canRead, inScope, listScope } from '@cairn/access';
import { canTransition, type JobEvent, type JobRecord, type JobState, JOB_STATES, type Principal } from '@cairn/contracts';
import { principals } from '@cairn/testing';
import { JobListMemory, type ListPage, type ListPageQuery, listThrough } from './job-list-memory';

/** A caller with no project and no admin role: sees only their own jobs. */
const dave: Principal = { ...principals.bob, subject: 'dave', name: 'dave', posixUser: 'dave', accounts: ['ops'], roles: ['user'], projects: [] };
/** Carol's scope (admin) under another identity: the same scope, the same pages. */
const erin: Principal = { ...principals.carol, subject: 'erin', name: 'erin', posixUser: 'erin' };
const READERS: readonly Principal[] = [principals.alice, principals.bob, principals.carol, dave, erin];
const SUBMITTERS: readonly Principal[] = [principals.alice, principals.bob, dave];

/**
 * A stand-in for the scheduler's job table and its ListJobs (scope, filters, newest first,
 * an offset as page token): the memory must give back exactly what this answers, whatever it is.
 */
class Scheduler {
  readonly jobs = new Map<string, JobRecord>();
  private clock = 0;

  insert(owner: Principal, account: string, name: string, site: string): JobRecord {
    this.clock += 1;
    const time = new Date(Date.UTC(2026, 11, 2) + this.clock * 1000).toISOString();
    const jobId = `00000000-0000-4000-8000-${String(this.clock).padStart(12, '0')}`;
    const record: JobRecord = {
      jobId,
      spec: { name, image: 'lab/busybox:1.36', command: ['/bin/true'], env: {}, resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 60 }, site },
      imageDigest: 'lab/busybox@sha256:0000000000000000000000000000000000000000000000000000000000000000',
      state: 'ACCEPTED',
      exitCode: null,
      slurmJobId: '',
      reason: '',
      attemptId: `a-${this.clock}`,
      createTime: time,
      updateTime: time,
      owner: { issuer: owner.issuer, subject: owner.subject, name: owner.name, posixUser: owner.posixUser },
      account,
    };
    this.jobs.set(jobId, record);
    return record;
  }

  /** A transition as JobStore.transition applies it; undefined when the state machine refuses it. */
  transition(jobId: string, state: JobState): JobRecord | undefined {
    const current = this.jobs.get(jobId);
    if (!current || !canTransition(current.state, state)) return undefined;
    this.clock += 1;
    const next = { ...current, state, updateTime: new Date(Date.UTC(2026, 11, 2) + this.clock * 1000).toISOString() };
    this.jobs.set(jobId, next);
    return next;
  }

  list(query: ListPageQuery, caller: Principal): ListPage {
    const scope = listScope(caller);
    const all = [...this.jobs.values()]
      .filter((j) => inScope(scope, j.owner, j.account))
      .filter((j) => query.states.length === 0 || query.states.includes(j.state))
      .filter((j) => !query.site || j.spec.site === query.site)
      .filter((j) => !query.namePrefix || j.spec.name.startsWith(query.namePrefix))
      .sort((a, b) => (a.createTime === b.createTime ? b.jobId.localeCompare(a.jobId) : b.createTime.localeCompare(a.createTime)));
    const from = Number(query.pageToken ?? '0');
    const jobs = all.slice(from, from + query.pageSize);
    return { jobs: structuredClone(jobs), nextPageToken: from + query.pageSize < all.length ? String(from + query.pageSize) : '' };
  }
}

/** The event a version of the record publishes; the ACCEPTED one carries the job's facts (its owner and account among them). */
const eventOf = (record: JobRecord, sequence: number): JobEvent => ({
  jobId: record.jobId,
  sequence,
  state: record.state,
  exitCode: record.exitCode,
  slurmJobId: record.slurmJobId,
  reason: record.reason,
  time: record.updateTime,
  ...(record.state === 'ACCEPTED'
    ? {
        facts: {
          owner: record.owner,
          account: record.account,
          site: record.spec.site,
          name: record.spec.name,
          image: record.spec.image,
          imageRef: `registry/lab/busybox@sha256:${'0'.repeat(64)}`,
          digest: `sha256:${'0'.repeat(64)}`,
          command: record.spec.command,
          resources: {},
          items: 0,
        },
      }
    : {}),
});

const query: fc.Arbitrary<ListPageQuery> = fc
  .record({
    pageSize: fc.constantFrom(1, 2, 50, 50),
    pageToken: fc.constantFrom('', '', '1', '2'),
    states: fc.oneof(fc.constant<JobState[]>([]), fc.subarray([...JOB_STATES], { maxLength: 2 })),
    site: fc.constantFrom('', '', 'dev', 'hpc2'),
    namePrefix: fc.constantFrom('', '', 'a', 'b-'),
  })
  .map(({ pageSize, pageToken, states, site, namePrefix }) => ({ pageSize, states, ...(pageToken ? { pageToken } : {}), ...(site ? { site } : {}), ...(namePrefix ? { namePrefix } : {}) }));

/**
 * What happens around one gateway: submissions through it (acknowledged), changes made
 * elsewhere (the agent's transitions, other gateways' submissions), the relay publishing the
 * oldest unpublished event, lists (at once, or begun now and answered later), time passing,
 * the stream restarting.
 */
const op = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('submit' as const), who: fc.nat({ max: SUBMITTERS.length - 1 }), account: fc.constantFrom('alice-lab', 'genomics', 'ops'), name: fc.constantFrom('a1', 'b-2', 'c'), site: fc.constantFrom('dev', 'hpc2') }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('elsewhere' as const), who: fc.nat({ max: SUBMITTERS.length - 1 }), account: fc.constantFrom('alice-lab', 'genomics', 'ops'), name: fc.constantFrom('a1', 'b-2'), site: fc.constant('dev') }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('transition' as const), job: fc.nat({ max: 20 }), state: fc.constantFrom(...JOB_STATES) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('relay' as const), count: fc.integer({ min: 1, max: 3 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('list' as const), who: fc.nat({ max: READERS.length - 1 }), query: fc.nat({ max: 2 }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('begin' as const), who: fc.nat({ max: READERS.length - 1 }), query: fc.nat({ max: 2 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('end' as const) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 1500 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('restart' as const) }), weight: 1 },
);

interface InFlight {
  answer: Promise<ListPage>;
  release: () => void;
  who: Principal;
  q: ListPageQuery;
  /** The caller's acknowledged jobs when the list began: its answer must have them. */
  acknowledged: JobRecord[];
}

/** A list that joined a request under way: answered when that one is. */
interface Joined {
  answer: Promise<ListPage>;
  who: Principal;
  q: ListPageQuery;
  acknowledged: JobRecord[];
}

describe('JobListMemory', () => {
  it("answers exactly the scheduler's page once every committed change reached the stream, shows each caller only what the access policy lets them read, and a list after an acknowledged submission always has it, also when it joined a request under way (property: any events, any readers)", async () => {
    await fc.assert(
      // A few queries per run, asked again and again (by index): the memory gets to answer.
      fc.asyncProperty(fc.array(query, { minLength: 3, maxLength: 3 }), fc.array(op, { minLength: 1, maxLength: 80 }), async (queries, ops) => {
        const queryOf = (n: number): ListPageQuery => queries[n] ?? { pageSize: 50, states: [] };
        let clock = 0;
        const memory = new JobListMemory({}, () => clock);
        memory.open();
        const scheduler = new Scheduler();
        const unpublished: JobEvent[] = [];
        const inFlight: InFlight[] = [];
        const joined: Joined[] = [];
        /** Per submitter, the jobs acknowledged to them through this gateway. */
        const acknowledged = new Map<Principal, JobRecord[]>();
        let sequence = 0;
        const list = (who: Principal, q: ListPageQuery, asked: () => Promise<ListPage>) => listThrough(memory, q, who, asked);
        /** Only what the caller may read; read after acknowledged write: the first page, large enough, filters matching. */
        const checkSeen = (who: Principal, q: ListPageQuery, page: ListPage, mine: readonly JobRecord[]) => {
          for (const job of page.jobs) expect([job.jobId, canRead(who, job.owner, job.account)]).toEqual([job.jobId, true]);
          if (!q.pageToken && q.pageSize === 50)
            for (const job of mine)
              if (q.states.length === 0 && (!q.site || q.site === job.spec.site) && (!q.namePrefix || job.spec.name.startsWith(q.namePrefix)))
                expect(page.jobs.map((j) => j.jobId)).toContain(job.jobId);
        };
        const check = (who: Principal, q: ListPageQuery, page: ListPage) => {
          checkSeen(who, q, page, acknowledged.get(who) ?? []);
          if (unpublished.length === 0) expect(page).toEqual(scheduler.list(q, who));
        };
        for (const o of ops) {
          switch (o.kind) {
            case 'submit': {
              const who = SUBMITTERS[o.who] ?? dave;
              const record = scheduler.insert(who, o.account, o.name, o.site);
              unpublished.push(eventOf(record, (sequence += 1)));
              // The gateway's SubmitJob: the scheduler committed, the pages of its scopes are dropped, then the reply.
              memory.changed(record);
              acknowledged.set(who, [...(acknowledged.get(who) ?? []), record]);
              break;
            }
            case 'elsewhere': {
              const record = scheduler.insert(SUBMITTERS[o.who] ?? dave, o.account, o.name, o.site);
              unpublished.push(eventOf(record, (sequence += 1)));
              break;
            }
            case 'transition': {
              const ids = [...scheduler.jobs.keys()];
              const id = ids[o.job % Math.max(1, ids.length)];
              const record = id ? scheduler.transition(id, o.state) : undefined;
              if (record) unpublished.push(eventOf(record, (sequence += 1)));
              break;
            }
            case 'relay':
              for (const event of unpublished.splice(0, o.count)) memory.apply(event);
              break;
            case 'list': {
              const who = READERS[o.who] ?? dave;
              const q = queryOf(o.query);
              const held = memory.read(q, who) !== undefined;
              let asked = false;
              const answer = list(who, q, () => ((asked = true), Promise.resolve(scheduler.list(q, who))));
              // Neither held nor asked: it joined a request under way, answered at its 'end'.
              if (!held && !asked) joined.push({ answer, who, q, acknowledged: [...(acknowledged.get(who) ?? [])] });
              else check(who, q, await answer);
              break;
            }
            case 'begin': {
              const who = READERS[o.who] ?? dave;
              // The scheduler reads now; its answer reaches the gateway at a later 'end'.
              const q = queryOf(o.query);
              const page = scheduler.list(q, who);
              let release: () => void = () => undefined;
              const gate = new Promise<void>((resolve) => (release = resolve));
              inFlight.push({ answer: list(who, q, () => gate.then(() => page)), release, who, q, acknowledged: [...(acknowledged.get(who) ?? [])] });
              break;
            }
            case 'end': {
              const first = inFlight.shift();
              if (!first) break;
              first.release();
              checkSeen(first.who, first.q, await first.answer, first.acknowledged);
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
        // Once everything was published and every answer is in, lists are the scheduler's.
        for (const f of inFlight.splice(0)) {
          f.release();
          checkSeen(f.who, f.q, await f.answer, f.acknowledged);
        }
        for (const j of joined.splice(0)) checkSeen(j.who, j.q, await j.answer, j.acknowledged);
        for (const event of unpublished.splice(0)) memory.apply(event);
        for (const who of READERS) {
          const q: ListPageQuery = { pageSize: 50, states: [] };
          check(who, q, await list(who, q, () => Promise.resolve(scheduler.list(q, who))));
          check(who, q, await list(who, q, () => Promise.resolve(scheduler.list(q, who))));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never serves later the answer of a request that was under way while a job changed (property)', async () => {
    const change = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), who: fc.nat({ max: SUBMITTERS.length - 1 }), account: fc.constantFrom('alice-lab', 'genomics', 'ops') }),
      fc.record({ kind: fc.constant('transition' as const), job: fc.nat({ max: 5 }), state: fc.constantFrom(...JOB_STATES) }),
      fc.record({ kind: fc.constant('restart' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: READERS.length - 1 }), query, fc.array(change, { minLength: 1, maxLength: 4 }), fc.boolean(), async (reader, q, changes, relayFirst) => {
        const memory = new JobListMemory();
        memory.open();
        const scheduler = new Scheduler();
        for (const who of SUBMITTERS) scheduler.insert(who, who.accounts[0] ?? 'ops', 'a1', 'dev');
        const who = READERS[reader] ?? dave;
        const page = scheduler.list(q, who);
        let release: () => void = () => undefined;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const answer = listThrough(memory, q, who, () => gate.then(() => page));
        const events: JobEvent[] = [];
        for (const c of changes) {
          if (c.kind === 'restart') {
            memory.close();
            memory.open();
            continue;
          }
          const ids = [...scheduler.jobs.keys()];
          const record = c.kind === 'insert' ? scheduler.insert(SUBMITTERS[c.who] ?? dave, c.account, 'a1', 'dev') : scheduler.transition(ids[c.job % ids.length] ?? '', c.state);
          if (record) events.push(eventOf(record, events.length + 1));
        }
        // The change's event reaches the gateway before or after the old answer does.
        if (relayFirst) events.forEach((e) => memory.apply(e));
        release();
        await answer;
        if (!relayFirst) events.forEach((e) => memory.apply(e));
        expect(await listThrough(memory, q, who, () => Promise.resolve(scheduler.list(q, who)))).toEqual(scheduler.list(q, who));
      }),
      { numRuns: 300 },
    );
  });

  it("keeps alice's pages while only jobs outside her scope change; drops them for a job of hers, of her project's, or one it does not know; an admin's page for any", () => {
    const memory = new JobListMemory();
    memory.open();
    const scheduler = new Scheduler();
    const bobs = scheduler.insert(principals.bob, 'genomics', 'b', 'dev');
    const daves = scheduler.insert(dave, 'ops', 'd', 'dev');
    const q: ListPageQuery = { pageSize: 50, states: [] };
    const keep = () => {
      for (const who of [principals.alice, dave, principals.carol]) memory.remember(q, who, scheduler.list(q, who), memory.mark());
    };
    const held = () => [principals.alice, dave, principals.carol].map((who) => memory.read(q, who) !== undefined);
    memory.apply(eventOf(bobs, 1));
    memory.apply(eventOf(daves, 2));
    keep();
    expect(held()).toEqual([true, true, true]);
    // Dave's job: not alice's scope (dave has no project); carol (admin) sees everything.
    memory.apply(eventOf(scheduler.transition(daves.jobId, 'PENDING') ?? daves, 3));
    expect(held()).toEqual([true, false, false]);
    keep();
    // Bob's genomics job: alice reads genomics (a member).
    memory.apply(eventOf(scheduler.transition(bobs.jobId, 'PENDING') ?? bobs, 4));
    expect(held()).toEqual([false, true, false]);
    keep();
    // A change of a job it never saw (no ACCEPTED facts, no record): whose it is, is not known.
    memory.apply({ jobId: '00000000-0000-4000-8000-00000000ffff', sequence: 2, state: 'PENDING', exitCode: null, slurmJobId: '9', reason: '', time: daves.updateTime });
    expect(held()).toEqual([false, false, false]);
  });

  it('does not keep an answer begun before more recent changes than it remembers (one in the scope among them)', () => {
    const memory = new JobListMemory();
    memory.open();
    const scheduler = new Scheduler();
    const alices = scheduler.insert(principals.alice, 'alice-lab', 'a', 'dev');
    const daves = scheduler.insert(dave, 'ops', 'd', 'dev');
    memory.apply(eventOf(alices, 1));
    memory.apply(eventOf(daves, 2));
    const q: ListPageQuery = { pageSize: 50, states: [] };
    const begun = memory.mark();
    const old = scheduler.list(q, principals.alice);
    memory.apply(eventOf(scheduler.transition(alices.jobId, 'PENDING') ?? alices, 3));
    for (let n = 0; n < 5000; n += 1) memory.apply({ ...eventOf(daves, 4 + n), state: 'PENDING' });
    memory.remember(q, principals.alice, old, begun);
    expect(memory.read(q, principals.alice)).toBeUndefined();
    memory.remember(q, principals.alice, scheduler.list(q, principals.alice), memory.mark());
    expect(memory.read(q, principals.alice)?.jobs.map((j) => j.state)).toEqual(['PENDING']);
  });

  it('answers a page from memory to a caller of the same scope; a caller of another scope asks the scheduler', async () => {
    const memory = new JobListMemory();
    memory.open();
    const q: ListPageQuery = { pageSize: 10, states: [] };
    let asked = 0;
    const page: ListPage = { jobs: [], nextPageToken: '' };
    const ask = () => {
      asked += 1;
      return Promise.resolve(page);
    };
    await listThrough(memory, q, principals.carol, ask);
    await listThrough(memory, q, erin, ask);
    expect(asked).toBe(1);
    await listThrough(memory, q, principals.bob, ask);
    await listThrough(memory, { ...q, states: ['RUNNING'] }, principals.bob, ask);
    await listThrough(memory, { ...q, pageToken: 'x' }, principals.bob, ask);
    expect(asked).toBe(4);
    // The same member scope whatever the order of the projects.
    const projects = { ...principals.alice, projects: ['ops', 'genomics'] };
    await listThrough(memory, q, projects, ask);
    await listThrough(memory, q, { ...projects, projects: ['genomics', 'ops', 'genomics'] }, ask);
    expect(asked).toBe(5);
  });

  it('joins identical lists at the same moment into one scheduler request per scope and query, each caller getting its own scope\'s page (property: any readers, any queries)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ who: fc.nat({ max: READERS.length - 1 }), query: fc.nat({ max: 2 }) }), { minLength: 1, maxLength: 40 }), fc.array(query, { minLength: 3, maxLength: 3 }), async (lists, queries) => {
        const memory = new JobListMemory();
        memory.open();
        const scheduler = new Scheduler();
        for (const who of SUBMITTERS) for (const account of who.accounts) scheduler.insert(who, account, 'a1', 'dev');
        let release: () => void = () => undefined;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const asked: string[] = [];
        const answers = lists.map(({ who: w, query: n }) => {
          const who = READERS[w] ?? dave;
          const q = queries[n] ?? { pageSize: 50, states: [] };
          const answer = listThrough(memory, q, who, () => {
            asked.push(JSON.stringify([listScope(who), q]));
            return gate.then(() => scheduler.list(q, who));
          });
          return { who, q, answer };
        });
        release();
        for (const { who, q, answer } of answers) expect(await answer).toEqual(scheduler.list(q, who));
        // One request per distinct scope and query (the scope, not the person: carol and erin share one).
        const distinct = new Set(lists.map(({ who, query: n }) => JSON.stringify([listScope(READERS[who] ?? dave), queries[n] ?? {}])));
        expect(asked).toHaveLength(distinct.size);
      }),
      { numRuns: 200 },
    );
  });

  it('does not join a request sent before a change of the scope (one the caller made, or an unknown job), nor while closed; joins one after changes outside the scope; a joined list shares the failure', async () => {
    const memory = new JobListMemory();
    memory.open();
    const scheduler = new Scheduler();
    const q: ListPageQuery = { pageSize: 50, states: [] };
    let asked = 0;
    const gates: (() => void)[] = [];
    const ask = (who: Principal) => () => {
      asked += 1;
      return new Promise<void>((resolve) => gates.push(resolve)).then(() => scheduler.list(q, who));
    };
    const first = listThrough(memory, q, principals.alice, ask(principals.alice));
    const joined = listThrough(memory, q, principals.alice, ask(principals.alice));
    expect(asked).toBe(1);
    // Dave's job is outside alice's scope: the request under way still answers her lists.
    memory.changed(scheduler.insert(dave, 'ops', 'd', 'dev'));
    const afterOthers = listThrough(memory, q, principals.alice, ask(principals.alice));
    expect(asked).toBe(1);
    // Alice submits (acknowledged): a list begun now asks again, and later ones join that request.
    const hers = scheduler.insert(principals.alice, 'alice-lab', 'a', 'dev');
    memory.changed(hers);
    const afterHers = listThrough(memory, q, principals.alice, ask(principals.alice));
    const joinsNewer = listThrough(memory, q, principals.alice, ask(principals.alice));
    expect(asked).toBe(2);
    // A change of a job it does not know may be anyone's.
    memory.apply({ jobId: '00000000-0000-4000-8000-00000000ffff', sequence: 2, state: 'PENDING', exitCode: null, slurmJobId: '9', reason: '', time: hers.updateTime });
    const afterUnknown = listThrough(memory, q, principals.alice, ask(principals.alice));
    expect(asked).toBe(3);
    for (const open of gates.splice(0)) open();
    const ids = async (answer: Promise<ListPage>) => (await answer).jobs.map((j) => j.jobId);
    for (const answer of [afterHers, joinsNewer, afterUnknown]) expect(await ids(answer)).toContain(hers.jobId);
    expect(await first).toEqual(await joined);
    expect(await afterOthers).toBe(await first);
    // Closed: every list asks.
    memory.close();
    const closed = [listThrough(memory, q, principals.alice, ask(principals.alice)), listThrough(memory, q, principals.alice, ask(principals.alice))];
    expect(asked).toBe(5);
    for (const open of gates.splice(0)) open();
    await Promise.all(closed);
    // A failure reaches the list that joined it; the next list asks again.
    memory.open();
    let fail: (e: Error) => void = () => undefined;
    const failing = listThrough(memory, q, principals.bob, () => new Promise<ListPage>((_, reject) => (fail = reject)));
    const joinedFailing = listThrough(memory, q, principals.bob, () => Promise.resolve(scheduler.list(q, principals.bob)));
    fail(new Error('scheduler did not answer'));
    await expect(failing).rejects.toThrow('scheduler did not answer');
    await expect(joinedFailing).rejects.toThrow('scheduler did not answer');
    await expect(listThrough(memory, q, principals.bob, () => Promise.resolve(scheduler.list(q, principals.bob)))).resolves.toEqual(scheduler.list(q, principals.bob));
  });

  it('answers nothing before the stream is followed, after it stopped, after any job changed, or past the confirmation window', () => {
    let clock = 0;
    const memory = new JobListMemory({ confirmMs: 2000 }, () => clock);
    const q: ListPageQuery = { pageSize: 10, states: [] };
    const page: ListPage = { jobs: [], nextPageToken: '' };
    memory.remember(q, principals.alice, page, memory.mark());
    expect(memory.read(q, principals.alice)).toBeUndefined();
    memory.open();
    memory.remember(q, principals.alice, page, memory.mark());
    expect(memory.read(q, principals.alice)).toBe(page);
    const begun = memory.mark();
    memory.apply({ jobId: '00000000-0000-4000-8000-000000000001', sequence: 2, state: 'PENDING', exitCode: null, slurmJobId: '7', reason: '', time: '2026-12-02T05:00:01.000Z' });
    expect(memory.read(q, principals.alice)).toBeUndefined();
    // An answer to a request begun before the change is not kept.
    memory.remember(q, principals.alice, page, begun);
    expect(memory.read(q, principals.alice)).toBeUndefined();
    memory.remember(q, principals.alice, page, memory.mark());
    clock = 2000;
    expect(memory.read(q, principals.alice)).toBe(page);
    clock = 2001;
    expect(memory.read(q, principals.alice)).toBeUndefined();
    memory.remember(q, principals.alice, page, memory.mark());
    memory.close();
    expect(memory.read(q, principals.alice)).toBeUndefined();
  });

  it('keeps at most its limits of pages and characters, dropping the least recently used (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 50 }), (maxPages, fit, sizes) => {
        // About 1,030 characters of page and 100 of key each: `fit` of them fit in 1,300 × fit.
        const page: ListPage = { jobs: [], nextPageToken: 'x'.repeat(1000) };
        const memory = new JobListMemory({ maxPages, maxChars: 1300 * fit });
        memory.open();
        for (const pageSize of sizes) {
          memory.remember({ pageSize, states: [] }, principals.alice, page, memory.mark());
          expect(memory.size).toBeLessThanOrEqual(Math.min(maxPages, fit));
        }
        const last = sizes[sizes.length - 1];
        if (last !== undefined) expect(memory.read({ pageSize: last, states: [] }, principals.alice)).toBe(page);
      }),
      { numRuns: 300 },
    );
  });
});
