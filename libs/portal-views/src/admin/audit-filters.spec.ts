import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { auditRequest, NO_FILTERS, timestampFields, utcFromLocalInput } from './audit-filters';

describe('audit filters', () => {
  it('asks for everything with no filters', () => {
    expect(auditRequest(NO_FILTERS)).toEqual({ ok: true, subject: '', outcome: '', since: undefined, until: undefined });
  });

  it('reads times as UTC and checks their order', () => {
    expect(utcFromLocalInput('2026-12-01T19:30')).toEqual(new Date('2026-12-01T19:30:00Z'));
    expect(utcFromLocalInput('2026-02-30T10:00')).toBeInstanceOf(Error);
    expect(utcFromLocalInput('yesterday')).toBeInstanceOf(Error);
    const r = auditRequest({ ...NO_FILTERS, subject: ' alice-sub ', outcome: 'PERMISSION_DENIED', since: '2026-12-01T10:00', until: '2026-12-01T09:00' });
    expect(r).toEqual({ ok: false, problems: { until: 'Must be after “since”.' } });
    expect(auditRequest({ ...NO_FILTERS, subject: ' alice-sub ', outcome: 'OK' })).toMatchObject({ ok: true, subject: 'alice-sub', outcome: 'OK' });
  });

  it('refuses outcomes and subjects the log cannot hold, naming the field', () => {
    expect(auditRequest({ ...NO_FILTERS, outcome: 'toString' })).toEqual({ ok: false, problems: { outcome: 'Not an outcome the log records.' } });
    expect(auditRequest({ ...NO_FILTERS, subject: 'x'.repeat(256) })).toEqual({ ok: false, problems: { subject: 'At most 255 characters.' } });
    expect(auditRequest({ ...NO_FILTERS, subject: 'x'.repeat(255) }).ok).toBe(true);
  });

  it('never throws on any typed time', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        const r = utcFromLocalInput(s);
        expect(r === undefined || r instanceof Error || !Number.isNaN(r.getTime())).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('turns Dates into Timestamp fields', () => {
    expect(timestampFields(new Date('2026-12-01T19:30:00.250Z'))).toEqual({ seconds: 1_796_153_400n, nanos: 250_000_000 });
  });
});
