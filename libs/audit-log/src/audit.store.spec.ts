import { type Kysely, openDatabase, sql } from '@cairn/adapters/postgres';
import { freshEmbeddedDir } from '@cairn/testing';
import { AuditStore } from './audit.store';
import type { AuditDb } from './audit.tables';
import { auditMigrations } from './migrations';

describe('AuditStore [real: PGlite]', () => {
  let db: Kysely<AuditDb>;
  let store: AuditStore;
  let close: () => Promise<void>;
  const who = { issuer: 'https://idp', subject: 'bob', name: 'bob', posixUser: 'bob' };

  beforeAll(async () => {
    const database = await openDatabase<AuditDb>({ embeddedDir: await freshEmbeddedDir('audit-'), schema: 'scheduler', migrations: [auditMigrations] });
    db = database.db;
    store = new AuditStore(db);
    close = database.close;
  });
  afterAll(() => close());

  it('appends each event id once, and pages newest first with filters', async () => {
    const eventId = '00000000-0000-4000-8000-0000000000a1';
    const base = { rpc: '/cairn.v1.JobService/GetJob', ids: ['x'], who, peer: 'ipv4:127.0.0.1:1', outcome: 'UNAUTHENTICATED' as const, reason: 'no token' };
    await store.append({ ...base, eventId, at: new Date('2026-01-01T00:00:00Z') });
    await store.append({ ...base, eventId, at: new Date('2026-01-01T00:00:00Z') });
    for (let i = 0; i < 4; i += 1) await store.append({ ...base, outcome: 'OK', reason: '', at: new Date(Date.UTC(2026, 0, 2, 0, i)) });
    await store.append({ ...base, who: { ...who, subject: 'alice' }, outcome: 'OK', at: new Date('2026-01-03T00:00:00Z') });
    expect((await store.list({ pageSize: 50, outcome: 'UNAUTHENTICATED' })).events.map((e) => e.eventId)).toEqual([eventId]);
    const first = await store.list({ pageSize: 3, subject: 'bob' });
    const second = await store.list({ pageSize: 3, subject: 'bob', pageToken: first.nextPageToken });
    expect([...first.events, ...second.events].map((e) => e.time)).toEqual([
      '2026-01-02T00:03:00.000Z',
      '2026-01-02T00:02:00.000Z',
      '2026-01-02T00:01:00.000Z',
      '2026-01-02T00:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
    ]);
    expect(second.nextPageToken).toBe('');
    const window = await store.list({ pageSize: 50, since: '2026-01-02T00:01:00Z', until: '2026-01-02T00:03:00Z' });
    expect(window.events.map((e) => e.time)).toEqual(['2026-01-02T00:02:00.000Z', '2026-01-02T00:01:00.000Z']);
  });

  it('keeps a reason of several lines (an error listing problems) as one line that reads back', async () => {
    const at = new Date('2026-02-01T00:00:00Z');
    await store.append({ at, rpc: '/cairn.v1.WorkflowService/SubmitWorkflow', ids: [], who, outcome: 'INVALID_ARGUMENT', reason: 'wf.yaml:1:1: version: must be 1\nwf.yaml:3:1: steps: empty\r\nbell \u0007' });
    const [event] = (await store.list({ pageSize: 1, since: at.toISOString(), outcome: 'INVALID_ARGUMENT' })).events;
    expect(event?.reason).toBe('wf.yaml:1:1: version: must be 1; wf.yaml:3:1: steps: empty; bell \uFFFD');
  });

  it('refuses UPDATE, DELETE and TRUNCATE: the log is append-only', async () => {
    await store.append({ at: new Date(), rpc: 'r', ids: [], outcome: 'OK' });
    await expect(sql`UPDATE audit_events SET reason = 'rewritten'`.execute(db)).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(sql`DELETE FROM audit_events`.execute(db)).rejects.toThrow(/append-only: DELETE refused/);
    await expect(sql`TRUNCATE audit_events`.execute(db)).rejects.toThrow(/append-only: TRUNCATE refused/);
  });
});
