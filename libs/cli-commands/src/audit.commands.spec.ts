import { stripVTControlCharacters } from 'node:util';
import { pb } from '@cairn/contracts';
import { auditCommand, parseTime } from './audit.commands';

const NOW = new Date('2026-12-01T12:00:00Z');
const event = (n: number, over: Partial<pb.AuditEvent> = {}): pb.AuditEvent => ({
  eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  time: new Date(NOW.getTime() - n * 1000),
  rpc: '/cairn.v1.JobService/CancelJob',
  ids: ['j1'],
  issuer: 'https://idp',
  subject: 'bob-sub',
  name: 'bob',
  posixUser: 'bob',
  peer: 'ipv4:10.0.0.2:5000',
  outcome: 'PERMISSION_DENIED',
  reason: 'job j1 belongs to alice',
  ...over,
});

async function run(args: string[], pages: pb.ListAuditEventsResponse[]) {
  const asked: Partial<pb.ListAuditEventsRequest>[] = [];
  const output: string[] = [];
  const command = auditCommand({
    out: { write: (s) => void output.push(s), isTTY: false },
    client: () => ({
      list: async (request: Partial<pb.ListAuditEventsRequest> = {}) => {
        asked.push(request);
        const page = pages.shift();
        if (!page) throw new Error('unexpected call: list');
        return page;
      },
    }),
    now: () => NOW,
  });
  command.exitOverride();
  await command.parseAsync(args, { from: 'user' });
  return { asked, text: stripVTControlCharacters(output.join('')) };
}

describe('cairn audit', () => {
  it('prints the events newest first as a table, with the filters sent to the gateway', async () => {
    const { asked, text } = await run(['--subject', 'bob-sub', '--outcome', 'permission_denied', '--since', '2h'], [{ events: [event(1), event(2, { outcome: 'OK', reason: '' })], nextPageToken: '' }]);
    expect(asked).toEqual([{ pageSize: 50, pageToken: '', subject: 'bob-sub', outcome: 'PERMISSION_DENIED', since: new Date('2026-12-01T10:00:00Z'), until: undefined }]);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME +OUTCOME +WHO +CALL +IDS +FROM +REASON$/);
    expect(lines[1]).toContain('PERMISSION_DENIED');
    expect(lines[1]).toContain('JobService/CancelJob');
    expect(lines[1]).toContain('job j1 belongs to alice');
    expect(lines).toHaveLength(3);
  });

  it('pages through the log up to --limit, and never shows control characters a record holds', async () => {
    const { asked, text } = await run(
      ['--limit', '3', '--json'],
      [
        { events: [event(1), event(2, { reason: 'a\u001b[2Jb' })], nextPageToken: 't1' },
        { events: [event(3), event(4)], nextPageToken: 't2' },
      ],
    );
    expect(asked.map((a) => [a.pageSize, a.pageToken])).toEqual([
      [3, ''],
      [1, 't1'],
    ]);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => (JSON.parse(l) as { eventId: string }).eventId)).toEqual([event(1).eventId, event(2).eventId, event(3).eventId]);
    expect(text).not.toContain('\u001b');
  });

  it('refuses a time, an outcome or a limit it cannot use, before asking anything', async () => {
    await expect(run(['--since', 'yesterday'], [])).rejects.toThrow(/"yesterday" is not a time: give an ISO 8601 time/);
    await expect(run(['--outcome', 'MAYBE'], [])).rejects.toThrow(/"MAYBE" is not an outcome/);
    await expect(run(['--limit', '0'], [])).rejects.toThrow(/--limit must be 1 to 10000/);
    await expect(run(['--limit', '10001'], [])).rejects.toThrow(/--limit must be 1 to 10000/);
  });

  it('reads ISO times and durations back from now', () => {
    expect(parseTime('2026-11-30T08:00:00Z', NOW).toISOString()).toBe('2026-11-30T08:00:00.000Z');
    expect(parseTime('90m', NOW).toISOString()).toBe('2026-12-01T10:30:00.000Z');
    expect(() => parseTime('2026-13-45T99:99:99Z', NOW)).toThrow(/is not a time/);
  });

  it('says so when there is nothing', async () => {
    expect((await run([], [{ events: [], nextPageToken: '' }])).text).toBe('no audit events\n');
  });
});
