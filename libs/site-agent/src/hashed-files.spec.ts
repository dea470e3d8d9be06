import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_HASHED_FILES, runFactsSchema, SHA256_PATTERN } from '@cairn/contracts';
import fc from 'fast-check';
import { type ItemRecord, ITEM_RECORDS_MAX_BYTES, parseItemRecords } from './array-element';
import { AttemptStore, attemptStatusSchema } from './attempt-store';
import { EXIT_RECORD_MAX_BYTES, exitRecordSchema } from './exit-record';
import { digestsOf, HASH_INPUTS_FILE, HASH_OUTPUTS_FILE, hashLists, runFactsOf } from './hashed-files';
import { itemResults } from './item-results';

const HEX = 'ab'.repeat(32);
const RUN = { id: '0b6f3c1e-0000-4000-8000-0000000000aa', stepDir: 'learn/2/train' };
const declared = ['model.npz', 'plots', 'metrics.json'];

/** A digest entry as the wrapper writes it. */
const entry = (i: number, sha256 = HEX, size = 1, kind = 'file') => ({ i, sha256, size, kind });

/** Hostile digest entries: wrong types, out-of-range positions, bad hashes, extra fields. */
const hostileEntry = fc.oneof(
  fc.anything(),
  fc.record({ i: fc.integer({ min: -5, max: 200 }), sha256: fc.constantFrom(HEX, HEX.toUpperCase(), 'x', '', `${HEX}0`), size: fc.integer(), kind: fc.constantFrom('file', 'dir', 'link') }),
  fc.record({ i: fc.nat(3), sha256: fc.constant(HEX), size: fc.nat(), kind: fc.constant('file'), path: fc.string() }),
  fc.nat(70).map((i) => entry(i)),
);

describe('digests from a job-written record (hostile input)', () => {
  it('keeps only well-formed entries that name a declared path, each once; every other declared path is unhashed', () => {
    fc.assert(
      fc.property(fc.array(hostileEntry, { maxLength: 80 }), (raw) => {
        const { digests, unhashed } = digestsOf(raw, declared);
        const paths = digests.map((d) => d.path);
        expect(new Set(paths).size).toBe(paths.length);
        for (const d of digests) {
          expect(declared).toContain(d.path);
          expect(d.sha256).toMatch(SHA256_PATTERN);
          expect(Number.isSafeInteger(d.size) && d.size >= 0).toBe(true);
        }
        expect([...paths, ...unhashed].sort()).toEqual([...declared].sort());
      }),
      { numRuns: 300 },
    );
  });

  it('takes the first entry for a position and ignores any path a record names (positions only)', () => {
    const raw = [entry(1, HEX, 5, 'dir'), entry(1, 'cd'.repeat(32)), { ...entry(0), path: '/etc/shadow' }, entry(7), entry(-1)];
    expect(digestsOf(raw, declared)).toEqual({ digests: [{ path: 'plots', sha256: HEX, size: 5, kind: 'dir' }], unhashed: ['model.npz', 'metrics.json'] });
    expect(digestsOf(undefined, declared)).toEqual({ digests: [], unhashed: declared });
  });

  it('gives run facts that always satisfy the event contract, whatever the record holds', () => {
    fc.assert(
      fc.property(
        fc.record({ host: fc.string({ maxLength: 300 }), startedAt: fc.oneof(fc.string({ maxLength: 64 }), fc.constant('2026-12-01T23:00:00.000Z')), outputs: fc.array(hostileEntry, { maxLength: 64 }), inputs: fc.array(hostileEntry, { maxLength: 64 }) }),
        (record) => {
          const facts = runFactsOf(record, { outputs: declared, inputs: ['/data/a', '/data/b'] });
          expect(runFactsSchema.safeParse(facts).success).toBe(true);
          expect(facts.outputs?.length ?? 0).toBeLessThanOrEqual(declared.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it(`reports at most ${MAX_HASHED_FILES} unhashed paths with every output and input missing`, () => {
    const outputs = Array.from({ length: MAX_HASHED_FILES }, (_, k) => `o${k}`);
    const inputs = Array.from({ length: MAX_HASHED_FILES }, (_, k) => `/in/${k}`);
    const facts = runFactsOf({ outputs: [], inputs: [] }, { outputs, inputs });
    expect(facts.unhashed).toEqual(outputs);
    expect(runFactsSchema.safeParse(facts).success).toBe(true);
  });

  it('leaves out a path that would pass 1024 bytes with an item’s prefix', () => {
    const long = 'p'.repeat(1024);
    expect(digestsOf([entry(0), entry(1)], [long, 'ok'], '12/')).toEqual({ digests: [{ path: '12/ok', sha256: HEX, size: 1, kind: 'file' }], unhashed: [] });
  });
});

describe('the exit record with digests', () => {
  /** The largest record the wrapper writes: 64 outputs and 64 inputs, every number at its maximum. */
  const largest = () => ({
    startedAt: '2026-12-01T23:00:00.000Z',
    endedAt: '2026-12-01T23:00:01.000Z',
    host: 'h'.repeat(255),
    exitCode: 255,
    slurmJobId: '9'.repeat(32),
    outputs: Array.from({ length: MAX_HASHED_FILES }, (_, i) => entry(i, HEX, Number.MAX_SAFE_INTEGER, 'file')),
    inputs: Array.from({ length: MAX_HASHED_FILES }, (_, i) => entry(i, HEX, Number.MAX_SAFE_INTEGER, 'file')),
  });

  it(`fits in ${EXIT_RECORD_MAX_BYTES} bytes at its largest and is read back by the store`, async () => {
    const text = `${JSON.stringify(largest())}\n`;
    expect(Buffer.byteLength(text)).toBeLessThan(EXIT_RECORD_MAX_BYTES);
    const { store, attempt } = storeWith({ 'exit.json': text });
    const read = await store.readExitRecord(attempt);
    expect(read.kind).toBe('ok');
    if (read.kind === 'ok') expect(runFactsOf(read.value, { outputs: Array.from({ length: 64 }, (_, k) => `o${k}`) }).outputs).toHaveLength(64);
  });

  it('is refused when larger than the bound, or with more than 64 digests, and the reason says why', async () => {
    const over = { ...largest(), host: 'h'.repeat(EXIT_RECORD_MAX_BYTES) };
    const { store, attempt } = storeWith({ 'exit.json': JSON.stringify(over) });
    expect(await store.readExitRecord(attempt)).toEqual({ kind: 'invalid', reason: expect.stringMatching(`larger than ${EXIT_RECORD_MAX_BYTES} bytes`) });
    const tooMany = { ...largest(), outputs: [...largest().outputs, entry(0)] };
    expect(exitRecordSchema.safeParse(tooMany).success).toBe(false);
  });
});

describe('item records with digests', () => {
  it(`hold an item’s ${MAX_HASHED_FILES} output digests in one line; ${ITEM_RECORDS_MAX_BYTES} bytes hold 10,000 such items twice over`, () => {
    const line = JSON.stringify({ item: 9_999_999, exitCode: 255, startedAt: 'a'.repeat(24), endedAt: 'b'.repeat(24), host: 'h'.repeat(255), outputs: Array.from({ length: 64 }, (_, i) => entry(i, HEX, Number.MAX_SAFE_INTEGER)) });
    expect(parseItemRecords(line).get(9_999_999)?.outputs).toHaveLength(64);
    expect((Buffer.byteLength(line) + 1) * 10_000 * 2).toBeLessThan(ITEM_RECORDS_MAX_BYTES);
  });
});

describe('the items query with facts', () => {
  const outputs = Array.from({ length: MAX_HASHED_FILES }, (_, k) => `out/${'f'.repeat(900)}${k}`);
  const record = (item: number): ItemRecord => ({
    item,
    exitCode: 0,
    startedAt: '2026-12-01T23:00:00.000Z',
    endedAt: '2026-12-01T23:00:02.000Z',
    host: 'node1',
    outputs: Array.from({ length: MAX_HASHED_FILES }, (_, i) => entry(i, HEX, Number.MAX_SAFE_INTEGER)),
  });

  it('answers as before without facts: every item, no run, no paging', () => {
    expect(itemResults([record(0), record(5)], {}, outputs)).toEqual({ items: [{ item: 0, exitCode: 0, seconds: 2 }, { item: 5, exitCode: 0, seconds: 2 }] });
  });

  it('pages 1,000 items at their largest (64 long output paths each) within the reply bound, each item once, in order', () => {
    const records = Array.from({ length: 1000 }, (_, k) => record(k * 3));
    const seen: number[] = [];
    let offset = 0;
    for (;;) {
      const page = itemResults(records, { facts: true, offset }, outputs);
      expect(Buffer.byteLength(JSON.stringify({ attemptId: RUN.id, ...page }))).toBeLessThanOrEqual(768 * 1024);
      expect(page.items.length).toBeGreaterThan(0);
      const first = page.items[0];
      expect(first?.run?.outputs?.[0]?.path).toBe(`${first?.item}/${outputs[0]}`);
      seen.push(...page.items.map((i) => i.item));
      offset += page.items.length;
      if (!page.more) break;
    }
    expect(seen).toEqual(records.map((r) => r.item));
  });
});

describe('the lists the agent writes for the wrapper', () => {
  it('name the run directory, the step directory and the declared paths, NUL-separated; nothing without a run or declarations', () => {
    const lists = hashLists({ ...RUN, outputs: ['a b', 'c'], inputs: ['/data/x y'] }, '/runs', `/runs/${RUN.id}/${RUN.stepDir}`);
    expect(lists).toEqual([
      { name: HASH_OUTPUTS_FILE, content: Buffer.from(`/runs/${RUN.id}\0/runs/${RUN.id}/${RUN.stepDir}\0a b\0c\0`) },
      { name: HASH_INPUTS_FILE, content: Buffer.from('/data/x y\0') },
    ]);
    expect(hashLists(undefined, '/runs', '/x')).toEqual([]);
    expect(hashLists(RUN, '/runs', '/x')).toEqual([]);
  });
});

function storeWith(files: Record<string, string>) {
  const store = new AttemptStore(mkdtempSync(join(tmpdir(), 'records-')));
  const id = '3f1c2b4a-0000-4000-8000-0000000000b1';
  const attempt = { id, dir: store.dirOf(id), status: attemptStatusSchema.parse({}) };
  mkdirSync(join(attempt.dir, 'out'), { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(attempt.dir, 'out', name), content);
  return { store, attempt };
}
