import type { Kysely } from 'kysely';
import { createRowCounters, type RowCounters } from './row-counters';

const SPEC: RowCounters = {
  table: 'jobs',
  name: 'jobs_count',
  counts: (r) => `${r}.state = 'RUNNING'`,
  countsReads: ['state'],
  counters: [{ table: 'by_owner', keys: ['owner'] }],
};

describe('createRowCounters: its names are SQL text, so only plain identifiers pass', () => {
  // Refused before the database is touched: a database that is used at all fails the test.
  const untouched = new Proxy({}, { get: () => { throw new Error('the database was used'); } }) as Kysely<unknown>;

  it.each([
    ['table', { ...SPEC, table: 'jobs; DROP TABLE x' }],
    ['name', { ...SPEC, name: 'Count' }],
    ['read column', { ...SPEC, countsReads: ['state"'] }],
    ['counter table', { ...SPEC, counters: [{ table: 'by owner', keys: ['owner'] }] }],
    ['key', { ...SPEC, counters: [{ table: 'by_owner', keys: ['owner)'] }] }],
  ])('refuses an invalid %s', async (_, spec) => {
    await expect(createRowCounters(untouched, spec)).rejects.toThrow(/row counters: invalid identifier/);
  });

  it('refuses a counter table without keys', async () => {
    await expect(createRowCounters(untouched, { ...SPEC, counters: [{ table: 'by_nothing', keys: [] }] })).rejects.toThrow(/without keys/);
  });
});
