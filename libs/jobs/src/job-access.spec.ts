import fc from 'fast-check';
import type { NatsRequester } from '@cairn/adapters/nats';
import { type Kysely, openDatabase, type TablesOf } from '@cairn/adapters/postgres';
import { type AuditDb, AuditStore, auditMigrations } from '@cairn/audit-log';
import { CairnError, type Called, subjects } from '@cairn/contracts';
import { as, freshEmbeddedDir, principals, strictMock } from '@cairn/testing';
import { FIXTURE_PINNED, fixtureSpec, noWake, quietLogger } from './scheduler-fixtures';
import { JobService } from './job.service';
import { JobStore } from './job.store';
import { SCHEDULER_SCHEMA, type SchedulerDb } from './jobs.tables';
import { schedulerMigrations } from './migrations';

const refusal = async (call: Promise<unknown>): Promise<CairnError> => {
  try {
    await call;
  } catch (error) {
    if (error instanceof CairnError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('who sees and touches which job [real: PGlite]', () => {
  let db: Kysely<SchedulerDb>;
  let store: JobStore;
  let audit: AuditStore;
  let jobs: JobService;
  let close: () => Promise<void>;
  const requester = strictMock<NatsRequester>({
    request: async (subject: string) => {
      if (subject === subjects.images.resolve) return FIXTURE_PINNED;
      return { dataBase64: '', truncated: false };
    },
  } as Partial<NatsRequester>);

  beforeAll(async () => {
    const database = await openDatabase<Record<never, never>>({ embeddedDir: await freshEmbeddedDir('access-'), schema: SCHEDULER_SCHEMA, migrations: [schedulerMigrations, auditMigrations] });
    db = database.db.withTables<TablesOf<SchedulerDb>>();
    store = new JobStore(db);
    audit = new AuditStore(database.db.withTables<TablesOf<AuditDb>>());
    jobs = new JobService(store, requester, { sites: ['dev'] }, { dispatcher: noWake, outbox: noWake }, quietLogger);
    close = database.close;
  });
  afterAll(() => close());

  const submit = (name: string, who: Called, account?: string, requestId?: string) => jobs.submit({ ...fixtureSpec, name, ...(account ? { account } : {}) }, requestId, who);
  const listAll = async (who: Called, namePrefix: string, pageSize = 500) => {
    const ids: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await jobs.list({ ...who, pageSize, states: [], namePrefix, ...(pageToken ? { pageToken } : {}) });
      ids.push(...page.jobs.map((j) => j.jobId));
      pageToken = page.nextPageToken || undefined;
    } while (pageToken);
    return ids;
  };

  it('records the owner and the account: the asked one, or the default', async () => {
    const lab = await submit('own-default', as.alice);
    expect(lab.owner).toEqual({ issuer: principals.alice.issuer, subject: 'alice', name: 'alice', posixUser: 'alice' });
    expect(lab.account).toBe('alice-lab');
    expect(lab.spec.account).toBe('alice-lab');
    expect((await submit('own-genomics', as.alice, 'genomics')).account).toBe('genomics');
  });

  it('answers someone else\'s job exactly like a missing one, on get, output and cancel, and audits each denial', async () => {
    const job = await submit('private', as.alice, 'alice-lab');
    const missing = '00000000-0000-4000-8000-000000000404';
    for (const [call, other] of [
      [() => jobs.get(job.jobId, as.bob), () => jobs.get(missing, as.bob)],
      [() => jobs.output(job.jobId, 'stdout', { maxBytes: 10 }, as.bob), () => jobs.output(missing, 'stdout', { maxBytes: 10 }, as.bob)],
      [() => jobs.cancel(job.jobId, as.bob), () => jobs.cancel(missing, as.bob)],
    ] as const) {
      const hidden = await refusal(call());
      const absent = await refusal(other());
      expect(hidden.code).toBe('NOT_FOUND');
      expect(hidden.message.replace(job.jobId, '<id>')).toBe(absent.message.replace(missing, '<id>'));
    }
    expect((await store.byId(job.jobId))?.cancel_requested_at).toBeNull();
    const denials = (await audit.list({ pageSize: 50, subject: 'bob', outcome: 'NOT_FOUND' })).events.filter((e) => e.ids.includes(job.jobId));
    expect(denials.map((e) => e.rpc).sort()).toEqual(['/cairn.v1.JobService/CancelJob', '/cairn.v1.JobService/GetJob', '/cairn.v1.JobService/GetJobOutput']);
    expect(denials[0]).toMatchObject({ subject: 'bob', posixUser: 'bob', peer: as.bob.peer, reason: expect.stringContaining('alice') });
  });

  it('a member reads the project\'s work but cannot cancel it; an admin reads and cancels anything', async () => {
    const shared = await submit('shared', as.alice, 'genomics');
    expect((await jobs.get(shared.jobId, as.bob)).jobId).toBe(shared.jobId);
    const refused = await refusal(jobs.cancel(shared.jobId, as.bob));
    expect(refused.code).toBe('PERMISSION_DENIED');
    expect(refused.message).toContain('only its owner or an admin may cancel it');
    expect((await store.byId(shared.jobId))?.cancel_requested_at).toBeNull();
    await jobs.cancel(shared.jobId, as.carol);
    expect((await store.byId(shared.jobId))?.cancel_requested_at).not.toBeNull();
    const trail = (await audit.list({ pageSize: 50 })).events.filter((e) => e.ids.includes(shared.jobId));
    // (Records of one millisecond have no order among themselves: compared as a set.)
    expect(trail.map((e) => `${e.subject} ${e.rpc} ${e.outcome}`).sort()).toEqual([
      'alice /cairn.v1.JobService/SubmitJob OK',
      'bob /cairn.v1.JobService/CancelJob PERMISSION_DENIED',
      'carol /cairn.v1.JobService/CancelJob OK',
    ]);
  });

  it('refuses an account the caller does not have, records no job, and audits the refusal', async () => {
    const before = await db.selectFrom('jobs').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const refused = await refusal(submit('stolen', as.bob, 'alice-lab', 'bob-stolen-1'));
    expect(refused.code).toBe('PERMISSION_DENIED');
    expect(refused.message).toContain('"alice-lab"');
    expect(refused.message).toContain('genomics');
    const after = await db.selectFrom('jobs').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    const [event] = (await audit.list({ pageSize: 1, subject: 'bob', outcome: 'PERMISSION_DENIED' })).events;
    expect(event).toMatchObject({ rpc: '/cairn.v1.JobService/SubmitJob', ids: ['bob-stolen-1'] });
  });

  it('keeps request ids per owner: bob reusing alice\'s request id gets his own job', async () => {
    const hers = await submit('req-a', as.alice, 'genomics', 'shared-request-id');
    const his = await submit('req-b', as.bob, undefined, 'shared-request-id');
    expect(his.jobId).not.toBe(hers.jobId);
    expect(his.owner.subject).toBe('bob');
    expect((await submit('req-c', as.bob, undefined, 'shared-request-id')).jobId).toBe(his.jobId);
  });

  it('refuses one more unfinished job than a person or a project may have (RESOURCE_EXHAUSTED, audited); a workflow\'s own jobs do not count', async () => {
    const limits = { jobsPerPerson: 2, jobsPerProject: 3, workflowsPerPerson: 1, workflowsPerProject: 1 };
    const limited = new JobService(store, requester, { sites: ['dev'], limits }, { dispatcher: noWake, outbox: noWake }, quietLogger);
    const person = (subject: string) => ({ caller: { ...principals.bob, subject, name: subject, accounts: ['physics'], projects: ['physics'] }, peer: 'ipv4:127.0.0.1:1' });
    const dave = person('dave');
    const erin = person('erin');
    const direct = (who: Called, name: string) => limited.submit({ ...fixtureSpec, name }, undefined, who);
    await direct(dave, 'd1');
    await direct(dave, 'd2');
    const mine = await refusal(direct(dave, 'd3'));
    expect(mine.code).toBe('RESOURCE_EXHAUSTED');
    expect(mine.message).toBe('dave has 2 jobs not yet finished, the most one person may have (2, CAIRN_MAX_ACTIVE_JOBS_PER_PERSON): wait for some to finish, or cancel some');
    // A workflow's job (spec.run) is let in: its run was.
    const step = await limited.submit({ ...fixtureSpec, name: 'w.step', run: { id: '00000000-0000-4000-8000-0000000000aa', stepDir: 'step' } }, 'w-step-1', dave);
    expect(step.account).toBe('physics');
    await direct(erin, 'e1');
    const project = await refusal(direct(erin, 'e2'));
    expect(project.code).toBe('RESOURCE_EXHAUSTED');
    expect(project.message).toContain('account physics has 3 jobs not yet finished, the most one project may have (3, CAIRN_MAX_ACTIVE_JOBS_PER_PROJECT)');
    // A finished job frees its place.
    const first = (await jobs.list({ ...dave, pageSize: 10, states: [], namePrefix: 'd1' })).jobs[0];
    await store.transition(first?.jobId ?? '', { state: 'CANCELLED', at: new Date() });
    expect((await direct(erin, 'e3')).owner.subject).toBe('erin');
    const refusals = (await audit.list({ pageSize: 50, outcome: 'RESOURCE_EXHAUSTED' })).events.map((e) => e.subject).sort();
    expect(refusals).toEqual(['dave', 'erin']);
  });

  it('lists, page by page, exactly the jobs each may read', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ who: fc.constantFrom<'alice' | 'bob' | 'carol'>('alice', 'bob', 'carol'), genomics: fc.boolean() }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 3 }),
        async (plan, pageSize) => {
          const prefix = `p${Math.random().toString(36).slice(2, 10)}-`;
          const made: { id: string; who: string; account: string }[] = [];
          for (const [i, { who, genomics }] of plan.entries()) {
            const account = who === 'carol' ? undefined : genomics ? 'genomics' : who === 'alice' ? 'alice-lab' : undefined;
            const job = await submit(`${prefix}${i}`, as[who], account);
            made.push({ id: job.jobId, who, account: job.account });
          }
          const expected = (reader: 'alice' | 'bob' | 'carol') =>
            made.filter((j) => reader === 'carol' || j.who === reader || j.account === 'genomics').map((j) => j.id).sort();
          for (const reader of ['alice', 'bob', 'carol'] as const) expect((await listAll(as[reader], prefix, pageSize)).sort()).toEqual(expected(reader));
        },
      ),
      { numRuns: 15 },
    );
  });
});
