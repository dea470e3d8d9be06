import fc from 'fast-check';
import { CairnError, listAuditQuery, pb } from '@cairn/contracts';
import { toListAuditQuery, toPbAuditEvent } from './audit.mapper';

const request = (over: Partial<pb.ListAuditEventsRequest>): pb.ListAuditEventsRequest => ({ pageSize: 0, pageToken: '', subject: '', outcome: '', since: undefined, until: undefined, ...over });

describe('audit mapper [property-based hostile requests]', () => {
  it('ListAuditEvents: any request is a query the scheduler accepts, or INVALID_ARGUMENT', () => {
    const caller = { issuer: 'https://idp', subject: 'carol', name: 'carol', posixUser: 'carol', accounts: ['ops'], roles: ['user' as const, 'admin' as const], projects: [] };
    fc.assert(
      fc.property(
        fc.record({
          pageSize: fc.integer({ min: -10, max: 2000 }),
          pageToken: fc.string({ maxLength: 600 }),
          subject: fc.string({ unit: 'binary', maxLength: 300 }),
          outcome: fc.oneof(fc.constantFrom('', 'OK', 'NOT_FOUND', 'ok'), fc.string({ maxLength: 20 })),
          since: fc.option(fc.date({ noInvalidDate: true }), { nil: undefined }),
          until: fc.option(fc.date({ noInvalidDate: true }), { nil: undefined }),
        }),
        (input) => {
          let query: ReturnType<typeof toListAuditQuery> | undefined;
          try {
            query = toListAuditQuery(request(input));
          } catch (error) {
            expect(error).toBeInstanceOf(CairnError);
            expect((error as CairnError).code).toBe('INVALID_ARGUMENT');
            return;
          }
          expect(listAuditQuery.safeParse({ ...query, caller }).success).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('defaults the page size, refuses a window that ends before it starts, and names the field', () => {
    expect(toListAuditQuery(request({}))).toEqual({ pageSize: 50 });
    expect(() => toListAuditQuery(request({ since: new Date('2026-02-01'), until: new Date('2026-01-01') }))).toThrow('since: must be before until');
    expect(() => toListAuditQuery(request({ outcome: 'MAYBE' }))).toThrow(/^outcome: /);
    expect(() => toListAuditQuery(request({ pageSize: 501 }))).toThrow('page_size: must be at most 500');
  });

  it('maps a record to the public message', () => {
    const record = { eventId: '00000000-0000-4000-8000-000000000001', time: '2026-12-01T10:00:00.000Z', rpc: '/cairn.v1.JobService/GetJob', ids: ['x'], issuer: 'i', subject: 's', name: 'n', posixUser: 'p', peer: 'ipv4:1.2.3.4:5', outcome: 'NOT_FOUND' as const, reason: 'r' };
    expect(toPbAuditEvent(record)).toEqual({ ...record, time: new Date(record.time) });
  });
});
