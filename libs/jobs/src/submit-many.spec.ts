import fc from 'fast-check';
import type { NatsRequester } from '@cairn/adapters/nats';
import { openDatabase } from '@cairn/adapters/postgres';
import { auditMigrations } from '@cairn/audit-log';
import { type Called, subjects, SUBMIT_REPLY_ALLOWANCE } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { as, freshEmbeddedDir, strictMock } from '@cairn/testing';
import { FIXTURE_PINNED, fixtureSpec, noWake, quietLogger } from './scheduler-fixtures';
import { JobService } from './job.service';
import { JobStore } from './job.store';
import { SCHEDULER_SCHEMA, type SchedulerDb } from './jobs.tables';
import { schedulerMigrations } from './migrations';
import { SubmitMany } from './submit-many';

/** A pinned reference longer than any the images service makes (a 255-character reference, its registry and digest). */
const LONG_PINNED = `${'r'.repeat(40)}.example/${'n'.repeat(440)}@sha256:${'c'.repeat(64)}`;

describe('scheduler.jobs.submit-many: each item a SubmitJob of its own [real: PGlite]', () => {
  let store: JobStore;
  let close: () => Promise<void>;
  const requester = strictMock<NatsRequester>({
    request: async (subject: string) => {
      if (subject !== subjects.images.resolve) throw new Error(`unexpected request on ${subject}`);
      return { ...FIXTURE_PINNED, pinned: LONG_PINNED };
    },
  } as Partial<NatsRequester>);
  const service = () => new JobService(store, requester, { sites: ['dev'] }, { dispatcher: noWake, outbox: noWake }, quietLogger);

  beforeAll(async () => {
    const database = await openDatabase<SchedulerDb>({ embeddedDir: await freshEmbeddedDir('submit-many-'), schema: SCHEDULER_SCHEMA, migrations: [schedulerMigrations, auditMigrations] });
    store = new JobStore(database.db);
    close = database.close;
  });
  afterAll(() => close());

  it('answers every item alone and in order: a malformed or refused item fails by itself and records no job', async () => {
    const many = new SubmitMany(service(), quietLogger);
    const items: unknown[] = [
      { spec: { ...fixtureSpec, name: 'first' }, ...as.alice },
      'not a command',
      { spec: { ...fixtureSpec, name: 'extra' }, ...as.bob, smuggled: true },
      { spec: { ...fixtureSpec, name: 'nowhere', site: 'atlantis' }, ...as.bob },
      { spec: { ...fixtureSpec, name: 'last' }, ...as.bob },
    ];
    const answers = await many.answer(items);
    expect(answers.map((a) => (a.ok ? `ok ${a.data.job.spec.name} ${a.data.job.owner.name}` : a.error.code))).toEqual([
      `ok first ${as.alice.caller.name}`,
      'INVALID_ARGUMENT',
      'INVALID_ARGUMENT',
      'INVALID_ARGUMENT',
      `ok last ${as.bob.caller.name}`,
    ]);
    const ids = answers.flatMap((a) => (a.ok ? [a.data.job.jobId] : []));
    expect((await store.byIds(ids)).map((row) => row.name).sort()).toEqual(['first', 'last']);
  });

  it('an accepted item\'s answer is at most SUBMIT_REPLY_ALLOWANCE bytes larger than the item, whatever the caller\'s names', async () => {
    const many = new SubmitMany(service(), quietLogger);
    // JSON's widest characters: three-byte UTF-8, and quotes and backslashes escaped to two.
    const text = (max: number) => fc.array(fc.constantFrom('語', '"', '\\', 'a'), { minLength: 1, maxLength: max }).map((chars) => chars.join(''));
    await fc.assert(
      fc.asyncProperty(text(512), text(256), text(256), async (issuer, subject, name) => {
        const who: Called = { ...as.alice, caller: { ...as.alice.caller, issuer, subject, name } };
        const item = { spec: { ...fixtureSpec, name: 'n', command: ['/bin/true'] }, ...who };
        const [answer] = await many.answer([item]);
        expect(answer?.ok).toBe(true);
        expect(Buffer.byteLength(JSON.stringify(answer)) - Buffer.byteLength(JSON.stringify(item))).toBeLessThanOrEqual(SUBMIT_REPLY_ALLOWANCE);
      }),
      { numRuns: 20 },
    );
  });

  it('an unexpected failure answers its item INTERNAL without detail and is logged; the others stand', async () => {
    const jobs = service();
    const submit = jobs.submit.bind(jobs);
    const logged: unknown[] = [];
    const logger = createLogger('test', 'silent');
    logger.error = ((fields: unknown) => void logged.push(fields)) as typeof logger.error;
    const many = new SubmitMany({ submit: (spec, requestId, who) => (spec.name === 'boom' ? Promise.reject(new Error('disk on fire')) : submit(spec, requestId, who)) }, logger);
    const answers = await many.answer([
      { spec: { ...fixtureSpec, name: 'boom' }, ...as.alice },
      { spec: fixtureSpec, ...as.alice },
    ]);
    expect(answers[0]).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'internal error' } });
    expect(answers[1]?.ok).toBe(true);
    expect(logged).toEqual([expect.objectContaining({ subject: subjects.scheduler.submitJobs, err: expect.objectContaining({ message: 'disk on fire' }) })]);
  });
});
