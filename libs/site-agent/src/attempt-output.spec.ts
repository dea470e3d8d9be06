import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { type Attempt, attemptStatusSchema, AttemptStore } from './attempt-store';

/** An attempt directory whose output files hold `outputs` (one per element, or one file). */
function attemptWith(outputs: Buffer[], array: boolean): { store: AttemptStore; attempt: Attempt } {
  const root = mkdtempSync(join(tmpdir(), 'agent-output-'));
  const store = new AttemptStore(root);
  const attempt: Attempt = {
    id: '00000000-0000-4000-8000-000000000001',
    dir: join(root, '00000000-0000-4000-8000-000000000001'),
    status: attemptStatusSchema.parse(array ? { elements: outputs.length } : {}),
  };
  mkdirSync(store.outDir(attempt), { recursive: true });
  outputs.forEach((data, k) => writeFileSync(join(store.outDir(attempt), array ? `stdout-${k}` : 'stdout'), data));
  return { store, attempt };
}

/** Reads the whole window page by page, as the scheduler and gateway do. */
async function readAll(store: AttemptStore, attempt: Attempt, maxBytes: number, pageBytes: number) {
  const first = await store.readOutput(attempt, 'stdout', { maxBytes }, pageBytes);
  const parts = [first.data];
  let offset = first.offset + first.data.length;
  let pages = 1;
  while (offset < first.end) {
    const page = await store.readOutput(attempt, 'stdout', { maxBytes, offset, end: first.end }, pageBytes);
    expect(page.data.length).toBeLessThanOrEqual(pageBytes);
    expect(page.offset).toBe(offset);
    parts.push(page.data);
    offset += page.data.length;
    pages += 1;
  }
  return { data: Buffer.concat(parts), truncated: first.truncated, pages };
}

describe('AttemptStore.readOutput', () => {
  it("serves the last maxBytes of an array's outputs, elements in order, in pages of at most pageBytes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 400 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 1, max: 500 }),
        fc.boolean(),
        async (outputs, maxBytes, pageBytes, array) => {
          const buffers = (array ? outputs : outputs.slice(0, 1)).map((o) => Buffer.from(o));
          const { store, attempt } = attemptWith(buffers, array);
          const all = Buffer.concat(buffers);
          const { data, truncated, pages } = await readAll(store, attempt, maxBytes, pageBytes);
          expect(data.equals(all.subarray(Math.max(0, all.length - maxBytes)))).toBe(true);
          expect(truncated).toBe(all.length > maxBytes);
          expect(pages).toBe(Math.max(1, Math.ceil(Math.min(all.length, maxBytes) / pageBytes)));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('answers empty for missing output, and an offset past the end as an empty page at the end', async () => {
    const { store, attempt } = attemptWith([Buffer.from('out')], true);
    expect(await store.readOutput(attempt, 'stderr', { maxBytes: 10 })).toEqual({ data: Buffer.alloc(0), offset: 0, end: 0, truncated: false });
    const one = attemptWith([Buffer.from('hello')], false);
    expect(await one.store.readOutput(one.attempt, 'stdout', { maxBytes: 10, offset: 99, end: 99 })).toEqual({ data: Buffer.alloc(0), offset: 5, end: 5, truncated: false });
  });
});
