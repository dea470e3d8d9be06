import fc from 'fast-check';
import { doorAuditEventSchema, subjects } from '@cairn/contracts';
import { cut, JetStreamAuditSink } from './jetstream-audit-sink';

describe('JetStreamAuditSink', () => {
  it('publishes every door refusal as a valid audit event, de-duplicated by its event id, whatever the texts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ rpc: fc.string({ maxLength: 400 }), ids: fc.array(fc.string({ maxLength: 300 }), { maxLength: 40 }), peer: fc.string({ maxLength: 600 }), reason: fc.string({ unit: 'grapheme', maxLength: 3000 }), subject: fc.option(fc.string({ unit: 'binary', maxLength: 600 }), { nil: undefined }) }),
        async (input) => {
          const published: { subject: string; data: unknown; msgId: string }[] = [];
          const sink = new JetStreamAuditSink({ publish: async (subject, data, msgId) => (published.push({ subject, data, msgId }), { duplicate: false }) });
          await sink.record({ ...input, outcome: 'UNAUTHENTICATED', time: new Date('2026-12-01T00:00:00Z') });
          expect(published).toHaveLength(1);
          const [sent] = published;
          expect(sent?.subject).toBe(subjects.auditEvents);
          const event = doorAuditEventSchema.parse(sent?.data);
          expect(event.eventId).toBe(sent?.msgId);
          expect(event).toMatchObject({ outcome: 'UNAUTHENTICATED', time: '2026-12-01T00:00:00.000Z' });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('cuts texts by UTF-8 bytes, never splitting a character', () => {
    expect(cut('abc', 3)).toBe('abc');
    expect(Buffer.byteLength(cut('é'.repeat(200), 64))).toBeLessThanOrEqual(64);
    expect(cut('é'.repeat(200), 64)).toMatch(/^é+\.\.\.$/);
    expect(cut('a\u0000b', 10)).toBe('a\uFFFDb');
  });
});
