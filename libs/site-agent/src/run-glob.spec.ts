import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CairnError } from '@cairn/contracts';
import { globRun } from './run-glob';

const RUN = '50000000-0000-4000-8000-000000000001';

describe('globRun', () => {
  const root = mkdtempSync(join(tmpdir(), 'run-glob-'));
  const outside = mkdtempSync(join(tmpdir(), 'outside-'));
  const run = join(root, RUN);
  beforeAll(() => {
    mkdirSync(join(run, 'prep', 'data', 'sub'), { recursive: true });
    for (const f of ['a.csv', 'b.csv', 'c.txt', '.hidden.csv', 'sub/d.csv']) writeFileSync(join(run, 'prep', 'data', f), 'x');
    for (const s of ['shard-1', 'shard-2', 'shard-10']) {
      mkdirSync(join(run, s));
      writeFileSync(join(run, s, 'in.txt'), 'x');
    }
    writeFileSync(join(outside, 'secret.csv'), 'x');
    symlinkSync(join(outside, 'secret.csv'), join(run, 'prep', 'data', 'z.csv'));
    symlinkSync(outside, join(run, 'shard-9'));
  });
  const glob = (pattern: string, limit = 1000) => globRun(root, { runId: RUN, pattern, limit });

  it('matches within segments, sorted, never through or to a symbolic link, hidden files only when asked', async () => {
    expect(await glob('prep/data/*.csv')).toEqual(['prep/data/a.csv', 'prep/data/b.csv']);
    expect(await glob('prep/data/.*.csv')).toEqual(['prep/data/.hidden.csv']);
    expect(await glob('shard-?/in.txt')).toEqual(['shard-1/in.txt', 'shard-2/in.txt']);
    expect(await glob('shard-*/*')).toEqual(['shard-1/in.txt', 'shard-10/in.txt', 'shard-2/in.txt']);
    expect(await glob('prep/data/[!a]*')).toEqual(['prep/data/b.csv', 'prep/data/c.txt', 'prep/data/sub']);
    expect(await glob('prep/data/nope/*')).toEqual([]);
  });

  it('answers nothing for an unknown run, and refuses bad patterns and too many matches', async () => {
    expect(await globRun(root, { runId: '50000000-0000-4000-8000-000000000002', pattern: '*', limit: 10 })).toEqual([]);
    await expect(glob('shard-*/*', 2)).rejects.toThrow('matches more than 2 paths');
    await expect(glob('prep/[abc')).rejects.toThrow(CairnError);
    await expect(globRun(root, { runId: '../x', pattern: '*', limit: 1 })).rejects.toThrow('invalid run id');
  });

  it('refuses a malformed segment before reading anything, and matches a pathological pattern at once', async () => {
    await expect(glob('prep/[z-a]*')).rejects.toThrow('empty range');
    writeFileSync(join(run, 'a'.repeat(200)), 'x');
    expect(await glob('*a*a*a*a*a*a*a*a*a*a*ab')).toEqual([]);
    expect(await glob('*a*a*a*a*a*a*a*a*a*a*a')).toEqual(['a'.repeat(200)]);
  });
});
