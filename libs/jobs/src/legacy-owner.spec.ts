import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LEGACY_ACCOUNT, LEGACY_OWNER } from '@cairn/access';
import type { NatsRequester } from '@cairn/adapters/nats';
import { openDatabase, sql, type TablesOf } from '@cairn/adapters/postgres';
import { auditMigrations } from '@cairn/audit-log';
import { CairnError, subjects } from '@cairn/contracts';
import { as, strictMock } from '@cairn/testing';
import { Dispatcher } from './dispatcher';
import { FIXTURE_PINNED, fixtureSpec, noWake, quietLogger } from './scheduler-fixtures';
import { JobService } from './job.service';
import { JobStore } from './job.store';
import { SCHEDULER_SCHEMA, type SchedulerDb } from './jobs.tables';
import { schedulerMigrations } from './migrations';

const JOB = '00000000-0000-4000-8000-00000000a001';

describe('jobs recorded before owners existed [real: PGlite]', () => {
  it('belong to the legacy owner after the migration: only admins see them, and they are handed over without runAs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legacy-'));
    const before = Object.fromEntries(Object.entries(schedulerMigrations.migrations).filter(([name]) => name < '0007'));
    const old = await openDatabase<Record<never, never>>({ embeddedDir: dir, schema: SCHEDULER_SCHEMA, migrations: [{ table: schedulerMigrations.table, migrations: before }] });
    await sql`INSERT INTO jobs (job_id, request_id, name, site, spec, image_pinned, image_digest, state, attempt_id, seq, created_at, updated_at)
      VALUES (${JOB}, 'old-request', 'old', 'dev', ${JSON.stringify(fixtureSpec)}, ${FIXTURE_PINNED.pinned}, ${FIXTURE_PINNED.digest}, 'ACCEPTED', '00000000-0000-4000-8000-00000000a002', 1, now(), now())`.execute(old.db);
    await old.close();

    const database = await openDatabase<Record<never, never>>({ embeddedDir: dir, schema: SCHEDULER_SCHEMA, migrations: [schedulerMigrations, auditMigrations] });
    try {
      const store = new JobStore(database.db.withTables<TablesOf<SchedulerDb>>());
      const sent: unknown[] = [];
      const requester = strictMock<NatsRequester>({
        request: async (subject: string, payload: unknown) => {
          sent.push(payload);
          return subject === subjects.site('dev').submit ? { attemptId: '00000000-0000-4000-8000-00000000a002', duplicate: false } : FIXTURE_PINNED;
        },
      } as Partial<NatsRequester>);
      const jobs = new JobService(store, requester, { sites: ['dev'] }, { dispatcher: noWake, outbox: noWake }, quietLogger);
      const record = await jobs.get(JOB, as.carol);
      expect(record.owner).toEqual(LEGACY_OWNER);
      expect(record.account).toBe(LEGACY_ACCOUNT);
      const hidden = await jobs.get(JOB, as.alice).catch((e: unknown) => e);
      expect(hidden).toBeInstanceOf(CairnError);
      expect((hidden as CairnError).code).toBe('NOT_FOUND');
      expect((await jobs.list({ ...as.bob, pageSize: 10, states: [] })).jobs).toEqual([]);
      expect((await jobs.list({ ...as.carol, pageSize: 10, states: [] })).jobs.map((j) => j.jobId)).toEqual([JOB]);
      // Its old request id is its legacy owner's: alice's same request id makes a new job of hers.
      expect((await jobs.submit(fixtureSpec, 'old-request', as.alice)).jobId).not.toBe(JOB);
      sent.length = 0;
      await new Dispatcher(store, requester, quietLogger, () => undefined).tick();
      const legacy = sent.find((p) => (p as { jobId?: string }).jobId === JOB) as { runAs?: unknown } | undefined;
      expect(legacy).toBeDefined();
      expect(legacy?.runAs).toBeUndefined();
    } finally {
      await database.close();
    }
  }, 60_000);
});
