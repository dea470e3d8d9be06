import { openDatabase } from '@cairn/adapters/postgres';
import { type AuditDb, AuditStore, auditMigrations } from '@cairn/audit-log';
import { CairnError } from '@cairn/contracts';
import { as, freshEmbeddedDir } from '@cairn/testing';
import { AuditLogService } from './audit-log.service';

describe('AuditLogService [real: PGlite]', () => {
  let audit: AuditLogService;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const database = await openDatabase<AuditDb>({ embeddedDir: await freshEmbeddedDir('audit-svc-'), schema: 'scheduler', migrations: [auditMigrations] });
    audit = new AuditLogService(new AuditStore(database.db));
    close = database.close;
  });
  afterAll(() => close());

  const doorEvent = {
    eventId: '00000000-0000-4000-8000-00000000d001',
    time: '2026-12-01T10:00:00.000Z',
    rpc: '/cairn.v1.JobService/GetJob',
    ids: ['00000000-0000-4000-8000-000000000001'],
    issuer: '',
    subject: '',
    name: '',
    posixUser: '',
    peer: 'ipv4:10.0.0.9:5000',
    outcome: 'UNAUTHENTICATED' as const,
    reason: 'token expired',
  };

  it('keeps a door event once however often it is delivered, and shows it to an admin', async () => {
    await audit.recordDoorEvent(doorEvent);
    await audit.recordDoorEvent(doorEvent);
    const page = await audit.list({ ...as.carol, pageSize: 50, outcome: 'UNAUTHENTICATED' });
    expect(page.events).toEqual([doorEvent]);
  });

  it('refuses anyone but an admin with PERMISSION_DENIED, and records the refusal', async () => {
    for (const who of [as.alice, as.bob]) {
      const error = await audit.list({ ...who, pageSize: 10 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CairnError);
      expect((error as CairnError).code).toBe('PERMISSION_DENIED');
      expect((error as CairnError).message).toContain('the audit log is for admins only');
    }
    const denials = await audit.list({ ...as.carol, pageSize: 10, outcome: 'PERMISSION_DENIED' });
    expect(denials.events.map((e) => [e.subject, e.rpc, e.peer]).sort()).toEqual([
      ['alice', '/cairn.v1.AuditService/ListAuditEvents', as.alice.peer],
      ['bob', '/cairn.v1.AuditService/ListAuditEvents', as.bob.peer],
    ]);
  });
});
