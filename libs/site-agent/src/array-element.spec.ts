import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARRAY_WRAPPER_SCRIPT, checkItemIndices, encodeElement, itemIndices, parseItemRecords } from './array-element';
import { AttemptStore } from './attempt-store';

function runElement(dir: string, element: number): { status: number; stdout: string } {
  const wrapper = join(dir, 'cairn-wrap-array');
  writeFileSync(wrapper, ARRAY_WRAPPER_SCRIPT, { mode: 0o755 });
  try {
    const stdout = execFileSync(wrapper, [dir], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', SLURM_ARRAY_TASK_ID: String(element) } });
    return { status: 0, stdout };
  } catch (error) {
    const e = error as { status: number; stdout: string };
    return { status: e.status, stdout: e.stdout };
  }
}

function attemptDir(elements: Record<number, Parameters<typeof encodeElement>[0]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'array-'));
  mkdirSync(join(dir, 'elements'));
  mkdirSync(join(dir, 'out'));
  for (const [k, items] of Object.entries(elements)) writeFileSync(join(dir, 'elements', k), encodeElement(items));
  return dir;
}

describe('cairn-wrap-array [real: bash]', () => {
  it('runs each item of its element with its own argv and records every exit code', () => {
    const dir = attemptDir({
      3: [
        { index: 10, argv: ['/usr/bin/printf', '%s|', 'a b', '$(id)'] },
        { index: 11, argv: ['/bin/sh', '-c', 'echo item=$CAIRN_ITEM_INDEX; exit 4'] },
        { index: 12, argv: ['/bin/echo', 'last'] },
      ],
    });
    const { status, stdout } = runElement(dir, 3);
    expect(status).toBe(1);
    expect(stdout).toBe('a b|$(id)|item=11\nlast\n');
    const records = parseItemRecords(readFileSync(join(dir, 'out', 'items-3.jsonl'), 'utf8'));
    expect([...records.values()].map((r) => [r.item, r.exitCode])).toEqual([
      [10, 0],
      [11, 4],
      [12, 0],
    ]);
  });

  it('skips items that already succeeded when the element runs again (requeue), and retries the rest', () => {
    const marker = mkdtempSync(join(tmpdir(), 'flag-'));
    const dir = attemptDir({
      0: [
        { index: 0, argv: ['/bin/sh', '-c', 'echo ran >> "$0/zero"', marker] },
        { index: 1, argv: ['/bin/sh', '-c', 'test -f "$0/fixed"', marker] },
      ],
    });
    expect(runElement(dir, 0).status).toBe(1);
    writeFileSync(join(marker, 'fixed'), '');
    expect(runElement(dir, 0).status).toBe(0);
    expect(readFileSync(join(marker, 'zero'), 'utf8')).toBe('ran\n');
    const records = parseItemRecords(readFileSync(join(dir, 'out', 'items-0.jsonl'), 'utf8'));
    expect(records.get(1)?.exitCode).toBe(0);
  });

  it('refuses a malformed element file and bad items', () => {
    const dir = attemptDir({});
    writeFileSync(join(dir, 'elements', '0'), Buffer.from('x\u00001\u0000/bin/true\u0000'));
    expect(runElement(dir, 0).status).toBe(70);
    expect(() => encodeElement([{ index: -1, argv: ['a'] }])).toThrow(/item index/);
    expect(() => encodeElement([{ index: 0, argv: [] }])).toThrow(/no command/);
    expect(() => encodeElement([{ index: 0, argv: ['a\u0000'] }])).toThrow(/NUL/);
  });

  it('ignores a record line cut short', () => {
    const records = parseItemRecords('{"item":1,"exitCode":0,"startedAt":"a","endedAt":"b","host":"h"}\n{"item":2,"exitC');
    expect([...records.keys()]).toEqual([1]);
  });
});

describe('item indices', () => {
  it('are the given indices, or the positions when none are given', () => {
    expect(itemIndices({ items: ['a', 'b', 'c'] })).toEqual([0, 1, 2]);
    expect(itemIndices({ items: ['a', 'b', 'c'], indices: [3, 17, 40] })).toEqual([3, 17, 40]);
  });

  it('must name the items one for one with distinct whole numbers', () => {
    expect(() => checkItemIndices({ items: ['a', 'b'], indices: [3, 17] })).not.toThrow();
    expect(() => checkItemIndices({ items: ['a', 'b'] })).not.toThrow();
    expect(() => checkItemIndices({ items: ['a', 'b'], indices: [3] })).toThrow('1 indices for 2 items');
    expect(() => checkItemIndices({ items: ['a', 'b'], indices: [3, 3] })).toThrow('item index 3 appears more than once');
    expect(() => checkItemIndices({ items: ['a', 'b'], indices: [3, -1] })).toThrow('invalid item index -1');
  });

  it('reach the wrapper: each item sees its index as CAIRN_ITEM_INDEX and is recorded and read back under it', async () => {
    const indices = itemIndices({ items: ['x', 'y', 'z'], indices: [40, 3, 17] });
    const item = (index: number) => ({ index, argv: ['/bin/sh', '-c', 'echo "$CAIRN_ITEM_INDEX"; test "$CAIRN_ITEM_INDEX" != 3'] });
    const dir = attemptDir({ 0: indices.slice(0, 2).map(item), 1: indices.slice(2).map(item) });
    expect(runElement(dir, 0)).toEqual({ status: 1, stdout: '40\n3\n' });
    expect(runElement(dir, 1)).toEqual({ status: 0, stdout: '17\n' });
    const store = new AttemptStore(dir);
    const { items, elementsWithRecords } = await store.readItemRecords({ id: 'a', dir, status: { published: [], submitting: false, cancelRequested: false, final: false, missing: 0 } }, 2);
    expect(elementsWithRecords).toBe(2);
    expect(items.map((r) => [r.item, r.exitCode])).toEqual([
      [3, 1],
      [17, 0],
      [40, 0],
    ]);
  });
});
