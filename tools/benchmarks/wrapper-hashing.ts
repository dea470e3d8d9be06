/**
 * What hashing declared outputs costs an array job: the real array wrapper
 * (cairn-wrap-array.sh, run with bash, no Slurm) runs N items that each write one file of
 * S bytes, once without declared outputs (the baseline: the wrapper as before) and once
 * with the file declared (the wrapper hashes it after each item), in alternating rounds.
 * Then the agent's side at 10,000 items: parsing an element's records with one digest per
 * item, and answering every page of the items query with facts.
 *
 *   node -r ./tools/register.js tools/benchmarks/wrapper-hashing.ts --items 1000 --rounds 3 --bytes 1048576
 *
 * Prints a markdown report (medians, the ratio to the baseline) to stdout, progress to
 * stderr; asserts nothing. Method and results: docs/benchmarks.md. Needs bash and coreutils
 * only.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ARRAY_WRAPPER_SCRIPT, encodeElement, hashLists, itemResults, parseItemRecords } from '@cairn/site-agent';
import { fmt, median, now, processes, progressLog, runMain } from './bench-kit';

const { values } = parseArgs({
  options: { items: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '3' }, bytes: { type: 'string', default: '4096' } },
});
const items = Number(values.items);
const rounds = Number(values.rounds);
const bytes = Number(values.bytes);
const log = progressLog('wrapper-hashing');
const RUN_ID = '0b6f3c1e-0000-4000-8000-0000000000bb';

/** One element of `items` items, each writing `bytes` bytes to r.bin in its directory; ms per item. */
async function runElement(declared: boolean): Promise<{ msPerItem: number; line: string }> {
  const root = mkdtempSync(join(tmpdir(), 'bench-hash-'));
  try {
    const attempt = join(root, 'attempt');
    const runsDir = join(root, 'runs');
    const step = join(runsDir, RUN_ID, 'sweep');
    mkdirSync(join(attempt, 'out'), { recursive: true });
    mkdirSync(join(attempt, 'elements'));
    const list = Array.from({ length: items }, (_, index) => {
      mkdirSync(join(step, String(index)), { recursive: true });
      return { index, argv: ['/bin/sh', '-c', `head -c ${bytes} /dev/urandom > "$0/r.bin"`, join(step, String(index))] };
    });
    writeFileSync(join(attempt, 'elements', '0'), encodeElement(list));
    if (declared) for (const l of hashLists({ id: RUN_ID, stepDir: 'sweep', outputs: ['r.bin'] }, runsDir, step)) writeFileSync(join(attempt, l.name), l.content);
    writeFileSync(join(attempt, 'wrap'), ARRAY_WRAPPER_SCRIPT, { mode: 0o755 });
    const started = now();
    await processes.run(join(attempt, 'wrap'), [attempt], { env: { PATH: '/usr/bin:/bin', SLURM_ARRAY_TASK_ID: '0' }, timeoutMs: 3_600_000 });
    const msPerItem = (now() - started) / items;
    const line = readFileSync(join(attempt, 'out', 'items-0.jsonl'), 'utf8').split('\n')[0] ?? '';
    return { msPerItem, line };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const base: number[] = [];
  const hashed: number[] = [];
  let sample = '';
  for (let r = 0; r < rounds; r += 1) {
    // Alternate which goes first, so drift of the machine hits both.
    for (const declared of r % 2 === 0 ? [false, true] : [true, false]) {
      const { msPerItem, line } = await runElement(declared);
      (declared ? hashed : base).push(msPerItem);
      if (declared) sample = line;
      log(`round ${r + 1}: ${declared ? 'hashed' : 'baseline'} ${fmt(msPerItem, 2)} ms/item`);
    }
  }

  // The agent's side at 10,000 items: records as the wrapper wrote them, one digest each.
  const record = JSON.parse(sample) as Record<string, unknown>;
  const text = Array.from({ length: 10_000 }, (_, item) => JSON.stringify({ ...record, item })).join('\n');
  const parseMs: number[] = [];
  const pagesMs: number[] = [];
  let pages = 0;
  for (let r = 0; r < 5; r += 1) {
    let t = now();
    const records = [...parseItemRecords(text).values()];
    parseMs.push(now() - t);
    t = now();
    pages = 0;
    for (let offset = 0, more = true; more; pages += 1) {
      const page = itemResults(records, { facts: true, offset }, ['r.bin']);
      offset += page.items.length;
      more = page.more === true;
    }
    pagesMs.push(now() - t);
  }

  const b = median(base);
  const h = median(hashed);
  console.log(
    [
      `### Hashing declared outputs in the array wrapper (${items} items of ${bytes} bytes, ${rounds} rounds, medians)`,
      '',
      '| | ms per item | ratio |',
      '| --- | --- | --- |',
      `| baseline: no declared output | ${fmt(b, 2)} | 1.00 |`,
      `| one declared output, hashed after each item | ${fmt(h, 2)} | ${fmt(h / b, 2)} |`,
      `| hashing's own cost per item | ${fmt(h - b, 2)} | |`,
      '',
      `Agent side, 10,000 items with one digest each (${fmt(Buffer.byteLength(text) / 1024, 0)} KiB of records): parsing ${fmt(median(parseMs), 1)} ms; ` +
        `the items query with facts, ${pages} pages, ${fmt(median(pagesMs), 1)} ms in all (medians of 5).`,
    ].join('\n'),
  );
}

runMain(main);
