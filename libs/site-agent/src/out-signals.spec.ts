import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { type Attempt, attemptStatusSchema } from './attempt-store';
import { lookAtNames, OutSignals } from './out-signals';

const ATTEMPT = '3f1c2b4a-0000-4000-8000-000000000002';

/** Names a job could put in its directory: this attempt's element names, near misses and anything. */
const hostileName = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('stdout', 'stderr', 'exit.json', 'start.json', 'items-0.jsonl', 'ended-', 'ended-0', 'ended-0.', 'ended-.0', 'ended-00.0', 'ended-0.00'),
  fc.constantFrom('ended-', 'stdout-', 'ENDED-', 'ended-+', 'stdout--').chain((p) => fc.string({ maxLength: 12 }).map((s) => `${p}${s}`)),
  fc.tuple(fc.integer({ min: -3, max: 40 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom('', ' ', '\n', '/x', '.tmp')).map(([k, r, tail]) => `ended-${k}.${r}${tail}`),
  fc.tuple(fc.integer({ min: -3, max: 40 }), fc.constantFrom('', ' ', '.jsonl')).map(([k, tail]) => `stdout-${k}${tail}`),
);

/** The reference: element k started when `stdout-k` is there, ended when some `ended-k.r` is (k, r canonical decimals, k < n). */
function model(names: readonly string[], elements: number) {
  const canonical = (s: string) => /^(0|[1-9][0-9]*)$/.test(s);
  const started = new Set<number>();
  const ended = new Set<number>();
  for (const name of names) {
    const [kind, rest] = name.startsWith('stdout-') ? ['s', name.slice(7)] : name.startsWith('ended-') ? ['e', name.slice(6)] : ['', ''];
    if (kind === 's' && canonical(rest) && Number(rest) < elements) started.add(Number(rest));
    if (kind === 'e') {
      const [k, r, ...more] = rest.split('.');
      if (more.length === 0 && k !== undefined && r !== undefined && canonical(k) && canonical(r) && Number(k) < elements) ended.add(Number(k));
    }
  }
  return { started: started.size > 0, ended: ended.size === elements };
}

describe('lookAtNames (the job user writes the names: hostile input)', () => {
  it('counts an array element as started or ended only by its exact names, each element once, whatever else is there', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.array(hostileName, { maxLength: 80 }), (elements, names) => {
        const look = lookAtNames(names, elements);
        expect({ started: look.started, ended: look.ended }).toEqual(model(names, elements));
      }),
      { numRuns: 500 },
    );
  });

  it('says an array ended once every element has a marker, from any run, in any order, with any other names', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.integer({ min: 0, max: 5 }), { minLength: n, maxLength: n }))),
        fc.array(hostileName, { maxLength: 20 }),
        fc.integer(),
        ([elements, runs], noise, seed) => {
          const markers = runs.map((r, k) => `ended-${k}.${r}`);
          const names = seed % 2 === 0 ? [...markers, ...noise] : [...noise, ...markers.reverse()];
          expect(lookAtNames(names, elements).ended).toBe(true);
          // Without one element's marker it has not ended (unless the noise holds one of its).
          const missing = Math.abs(seed) % elements;
          const without = names.filter((n) => n !== markers[missing]);
          expect(lookAtNames(without, elements).ended).toBe(model(without, elements).ended);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a single job started with its output file or start record, ended with its exit record', () => {
    expect(lookAtNames([], undefined)).toMatchObject({ started: false, ended: false });
    expect(lookAtNames(['stdout', 'stderr'], undefined)).toMatchObject({ started: true, ended: false });
    expect(lookAtNames(['start.json', 'exit.json'], undefined)).toMatchObject({ started: true, ended: true });
    expect(lookAtNames(['exit.json.tmp-1', 'ended-0.0', 'stdout-0'], undefined)).toMatchObject({ started: false, ended: false });
  });
});

/** An attempt's out directory on disk, and the poller's view of it tick by tick. */
function fixture(elements: number | undefined, settle = 3, clock?: () => number) {
  const root = mkdtempSync(join(tmpdir(), 'out-signals-'));
  const out = join(root, 'out');
  mkdirSync(out);
  const attempt: Attempt = {
    id: ATTEMPT,
    dir: root,
    status: attemptStatusSchema.parse({ slurmJobId: '42', published: ['PENDING'], ...(elements ? { elements } : {}) }),
  };
  const signals = new OutSignals(() => out, settle, clock);
  /** One tick: looks, and lists when asked to (as the poller does); whether it listed. */
  const tick = async () => {
    const wanted = await signals.look([attempt]);
    if (wanted) signals.listed();
    return wanted;
  };
  return { attempt, out, signals, tick, write: (name: string) => writeFileSync(join(out, name), ''), remove: (name: string) => rmSync(join(out, name)) };
}

describe('OutSignals: when the files ask the poller for a listing', () => {
  it('one listing at a job’s first start while it is not RUNNING, none for its later element starts and ends, and SETTLE at its end', async () => {
    const { attempt, tick, write } = fixture(4);
    expect(await tick()).toBe(false);
    write('stdout-0');
    expect(await tick()).toBe(true);
    expect(await tick()).toBe(false);
    attempt.status.published.push('RUNNING');
    // A sweep: elements start and end, short of all of them.
    for (const name of ['stdout-1', 'ended-0.0', 'stdout-2', 'ended-1.0', 'stdout-3', 'ended-2.0']) {
      write(name);
      expect({ name, wanted: await tick() }).toEqual({ name, wanted: false });
    }
    write('ended-3.0');
    expect([await tick(), await tick(), await tick(), await tick(), await tick()]).toEqual([true, true, true, false, false]);
  });

  it('asks again when a requeued element ends once more (a new marker), not while nothing changes', async () => {
    const { attempt, tick, write } = fixture(2, 2);
    attempt.status.published.push('RUNNING');
    write('ended-0.0');
    write('ended-1.0');
    expect([await tick(), await tick(), await tick()]).toEqual([true, true, false]);
    // Element 1 was requeued (the listing shows it pending): its second run ends.
    write('ended-1.1');
    expect([await tick(), await tick(), await tick()]).toEqual([true, true, false]);
  });

  it('for any sequence of what a job does to its directory, asks at most SETTLE listings per change, and always at an end it had not seen', async () => {
    const step = fc.oneof(
      fc.integer({ min: 0, max: 5 }).map((k) => ({ write: `stdout-${k}` })),
      fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 2 })).map(([k, r]) => ({ write: `ended-${k}.${r}` })),
      hostileName.filter((n) => n.length > 0 && !n.includes('/') && !n.includes('\u0000') && n !== '.' && n !== '..').map((n) => ({ write: n })),
      fc.constant({ tick: true }),
      fc.constant({ running: true }),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.array(step, { maxLength: 40 }), async (settle, elements, steps) => {
        const { attempt, out, tick, write } = fixture(elements, settle);
        const written = new Set<string>();
        let changes = 0;
        let listings = 0;
        let lastKey = lookAtNames([], elements).key;
        for (const s of [...steps, { tick: true }]) {
          if ('write' in s) {
            try {
              write(s.write);
              written.add(s.write);
            } catch {
              // a name the file system refuses (too long, …): the job could not write it either
            }
          } else if ('running' in s) {
            if (!attempt.status.published.includes('RUNNING')) attempt.status.published.push('RUNNING');
          } else {
            const look = lookAtNames(written, elements);
            const isNew = look.key !== lastKey;
            if (isNew) changes += 1;
            const wanted = await tick();
            if (wanted) listings += 1;
            // An end not seen before always asks for a listing at once.
            if (isNew && look.ended) expect(wanted).toBe(true);
            lastKey = look.key;
          }
        }
        expect(listings).toBeLessThanOrEqual(changes * settle);
        rmSync(out, { recursive: true, force: true });
      }),
      { numRuns: 150 },
    );
  });

  it('reads a directory again only when it changed, still seeing every change (an old directory time is trusted, a recent one is not)', async () => {
    let offset = 0;
    const { attempt, tick, write } = fixture(2, 1, () => Date.now() + offset);
    attempt.status.published.push('RUNNING');
    write('ended-0.0');
    offset = 60_000;
    expect(await tick()).toBe(false);
    expect(await tick()).toBe(false);
    write('ended-1.0');
    expect(await tick()).toBe(true);
    expect(await tick()).toBe(false);
  });

  it('asks nothing for a directory that is missing or not a directory, and forgets attempts no longer followed', async () => {
    const { out, signals, attempt } = fixture(undefined);
    rmSync(out, { recursive: true });
    writeFileSync(out, 'not a directory');
    expect(await signals.look([attempt])).toBe(false);
    rmSync(out);
    expect(await signals.look([attempt])).toBe(false);
    mkdirSync(out);
    writeFileSync(join(out, 'exit.json'), '{}');
    expect(await signals.look([attempt])).toBe(true);
    signals.forget();
    expect(await signals.look([])).toBe(false);
  });

  it('reads at most a bounded number of names from a directory a job filled', async () => {
    const { attempt, tick, write } = fixture(1, 1);
    attempt.status.published.push('RUNNING');
    for (let i = 0; i < 500; i += 1) write(`junk-${i}`);
    // The marker may or may not be among the names read: never a throw, at most one listing.
    write('ended-0.0');
    const asked = [await tick(), await tick(), await tick()];
    expect(asked.filter(Boolean).length).toBeLessThanOrEqual(1);
  });
});

describe('OutSignals.glance: a look between ticks', () => {
  it('says yes once for a new end or first start, keeps what it learned for the tick, and never repeats a signal', async () => {
    const { attempt, signals: outSignals, write } = fixture(2, 3);
    const signals = { glance: async (a: Attempt[]) => (await outSignals.glance(a)) !== undefined, look: (a: Attempt[]) => outSignals.look(a), listed: () => outSignals.listed() };
    expect(await signals.glance([attempt])).toBe(false);
    write('stdout-0');
    expect(await signals.glance([attempt])).toBe(true);
    // Seen already: glancing again asks nothing, however often.
    expect([await signals.glance([attempt]), await signals.glance([attempt])]).toEqual([false, false]);
    // The tick still asks for its listing (the signal is kept), then no more.
    expect(await signals.look([attempt])).toBe(true);
    signals.listed();
    attempt.status.published.push('RUNNING');
    expect(await signals.look([attempt])).toBe(false);
    write('ended-0.0');
    expect(await signals.glance([attempt])).toBe(false);
    write('ended-1.0');
    expect([await signals.glance([attempt]), await signals.glance([attempt])]).toEqual([true, false]);
    // The end buys its SETTLE listings at the ticks, as if the tick had seen it.
    const wanted: boolean[] = [];
    for (let i = 0; i < 4; i += 1) {
      const w = await signals.look([attempt]);
      if (w) signals.listed();
      wanted.push(w);
    }
    expect(wanted).toEqual([true, true, true, false]);
  });

  it('tells when the newest end still asking for listings appeared (its directory’s time, never later than its look), until its listings are spent', async () => {
    const { attempt, signals, write } = fixture(2, 2);
    write('stdout-0');
    await signals.look([attempt]);
    signals.listed();
    expect(signals.freshestEnd()).toBeUndefined();
    write('ended-0.0');
    write('ended-1.0');
    const before = Date.now();
    await signals.glance([attempt]);
    const seen = signals.freshestEnd();
    expect(seen).toBeDefined();
    expect(seen).toBeLessThanOrEqual(Date.now());
    expect(seen).toBeGreaterThanOrEqual(before - 2_000);
    signals.listed();
    expect(signals.freshestEnd()).toBe(seen);
    signals.listed();
    expect(signals.freshestEnd()).toBeUndefined();
  });

  it('looks at most `limit` directories a glance, the next ones in turn, so every followed attempt is looked at', async () => {
    const jobs = Array.from({ length: 5 }, (_, i) => {
      const root = mkdtempSync(join(tmpdir(), 'out-glance-'));
      mkdirSync(join(root, 'out'));
      const attempt: Attempt = { id: `3f1c2b4a-0000-4000-8000-00000000001${i}`, dir: root, status: attemptStatusSchema.parse({ slurmJobId: String(40 + i), published: ['PENDING', 'RUNNING'] }) };
      return attempt;
    });
    const looked: string[] = [];
    const signals = new OutSignals((attempt) => {
      looked.push(attempt.id);
      return join(attempt.dir, 'out');
    });
    for (const attempt of jobs) writeFileSync(join(attempt.dir, 'out', 'exit.json'), '{}');
    const before = Date.now();
    const fresh = [await signals.glance(jobs, 2), await signals.glance(jobs, 2), await signals.glance(jobs, 2)];
    // Each says when its news appeared: the directory's time, never later than the look.
    for (const at of fresh) expect(at).toBeGreaterThanOrEqual(before - 1000);
    for (const at of fresh) expect(at).toBeLessThanOrEqual(Date.now());
    expect(looked).toEqual([0, 1, 2, 3, 4, 0].map((i) => jobs[i]?.id));
    // Every end was seen once: the next round of glances finds nothing new.
    expect(await signals.glance(jobs, 5)).toBeUndefined();
    for (const attempt of jobs) rmSync(attempt.dir, { recursive: true, force: true });
  });
});
