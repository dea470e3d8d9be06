import fc from 'fast-check';
import { answerThrough, Flights, KeptAnswers } from './kept-answers';

const limits = { maxEntries: 100, maxChars: 1_000_000, confirmMs: 2000 };
/** Keys and values whose JSON plus key is exactly 10 characters: `"abcdef"` (8) + a 2-character key. */
const ten = (key: string) => [key.padStart(2, '0'), 'abcdef'] as const;

describe('KeptAnswers', () => {
  it('answers nothing and keeps nothing until open, nor after close; open starts empty', () => {
    const answers = KeptAnswers.create<string>(limits, () => 0);
    answers.set('a', 'x');
    expect(answers.get('a')).toBeUndefined();
    expect(answers.size).toBe(0);
    answers.open();
    answers.set('a', 'x');
    expect(answers.get('a')).toBe('x');
    answers.close();
    expect(answers.get('a')).toBeUndefined();
    expect(answers.size).toBe(0);
    expect(answers.chars).toBe(0);
    answers.open();
    expect(answers.get('a')).toBeUndefined();
  });

  it('counts an answer as its JSON and its key unless told; a replaced answer is counted once', () => {
    const answers = KeptAnswers.create<{ n: number }>(limits, () => 0);
    answers.open();
    answers.set('key', { n: 1 });
    expect(answers.chars).toBe(JSON.stringify({ n: 1 }).length + 3);
    answers.set('key', { n: 22 });
    expect(answers.chars).toBe(JSON.stringify({ n: 22 }).length + 3);
    answers.set('other', { n: 3 }, 5);
    expect(answers.chars).toBe(JSON.stringify({ n: 22 }).length + 3 + 5);
    expect(answers.size).toBe(2);
    answers.delete('key');
    answers.delete('absent');
    expect(answers.chars).toBe(5);
    answers.clear();
    expect([answers.size, answers.chars]).toEqual([0, 0]);
  });

  it('gives an answer back up to confirmMs after it was kept, then it is a miss and goes', () => {
    let clock = 1000;
    const answers = KeptAnswers.create<string>(limits, () => clock);
    answers.open();
    answers.set('a', 'x');
    clock = 3000;
    expect(answers.get('a')).toBe('x');
    clock = 3001;
    expect(answers.get('a')).toBeUndefined();
    expect([answers.size, answers.chars]).toEqual([0, 0]);
    // Kept again: the window starts over.
    answers.set('a', 'y');
    clock = 5001;
    expect(answers.get('a')).toBe('y');
  });

  it('past maxEntries drops the least recently used: a get makes an answer the most recently used', () => {
    const answers = KeptAnswers.create<string>({ ...limits, maxEntries: 3 }, () => 0);
    answers.open();
    for (const key of ['a', 'b', 'c']) answers.set(key, key);
    expect(answers.get('a')).toBe('a');
    answers.set('d', 'd');
    expect([...answers.entries()].map(([key]) => key)).toEqual(['c', 'a', 'd']);
    answers.set('c', 'c2');
    answers.set('e', 'e');
    expect([...answers.entries()]).toEqual([['d', 'd'], ['c', 'c2'], ['e', 'e']]);
  });

  it('past maxChars drops the least recently used until it fits, however many that takes', () => {
    const answers = KeptAnswers.create<string>({ ...limits, maxChars: 30 }, () => 0);
    answers.open();
    for (const key of ['1', '2', '3']) answers.set(...ten(key));
    expect(answers.chars).toBe(30);
    answers.get('01');
    answers.set(...ten('4'));
    expect([...answers.entries()].map(([key]) => key)).toEqual(['03', '01', '04']);
    answers.set('big', 'x'.repeat(20));
    expect([...answers.entries()].map(([key]) => key)).toEqual(['big']);
    // One answer over the bound on its own is not kept either.
    answers.set('huge', 'x'.repeat(40));
    expect([answers.size, answers.chars]).toEqual([0, 0]);
  });

  it('siblings share the bounds, the clock and open/close; past a bound the earlier kept of their least recently used goes (the first shelf on a tie)', () => {
    let clock = 0;
    const runs = KeptAnswers.create<string>({ ...limits, maxEntries: 2 }, () => clock);
    const pages = runs.sibling<number>();
    runs.open();
    expect(pages.live).toBe(true);
    runs.set('r1', 'run');
    clock = 1;
    pages.set('p1', 1);
    clock = 2;
    // r1 is the runs' least recently used and was kept before p1: it goes.
    pages.set('p2', 2);
    expect([runs.size, pages.size]).toEqual([0, 2]);
    runs.set('r2', 'run');
    // The heads are r2 (kept at 2) and p1 (kept at 1): p1 goes.
    expect([...pages.entries()].map(([key]) => key)).toEqual(['p2']);
    expect(runs.get('r2')).toBe('run');
    pages.clear();
    clock = 3;
    runs.set('r3', 'run');
    pages.set('p3', 3);
    // r2 and p3 are both heads; r2 was kept at 2 < 3.
    expect([...runs.entries()].map(([key]) => key)).toEqual(['r3']);
    // A tie: the first shelf's goes.
    pages.set('p4', 4);
    expect([runs.size, pages.size]).toEqual([0, 2]);
    pages.close();
    expect([runs.live, runs.size, pages.size, runs.chars]).toEqual([false, 0, 0, 0]);
  });

  it('dropping answers while iterating them is fine', () => {
    const answers = KeptAnswers.create<number>(limits, () => 0);
    answers.open();
    for (let n = 0; n < 10; n += 1) answers.set(String(n), n);
    for (const [key, value] of answers.entries()) if (value % 2 === 0) answers.delete(key);
    expect([...answers.entries()].map(([, value]) => value)).toEqual([1, 3, 5, 7, 9]);
    expect(answers.chars).toBe(5 * 2);
  });

  it('never holds more than its bounds, and its chars are the sum of what it holds (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.tuple(fc.boolean(), fc.nat({ max: 9 }), fc.nat({ max: 20 }), fc.boolean()), { maxLength: 60 }),
        (maxEntries, maxChars, steps) => {
          let clock = 0;
          const a = KeptAnswers.create<string>({ maxEntries, maxChars, confirmMs: 5 }, () => clock);
          const b = a.sibling<string>();
          a.open();
          for (const [first, key, length, read] of steps) {
            clock += 1;
            const shelf = first ? a : b;
            if (read) shelf.get(String(key));
            else shelf.set(String(key), 'x'.repeat(length));
            expect(a.size + b.size).toBeLessThanOrEqual(maxEntries);
            expect(a.chars).toBeLessThanOrEqual(maxChars);
            const held = [...a.entries(), ...b.entries()].reduce((sum, [k, v]) => sum + JSON.stringify(v).length + k.length, 0);
            expect(a.chars).toBe(held);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('answerThrough', () => {
  it('answers from the memory when it holds the answer; otherwise asks, and remembers the answer with the mark taken before asking', async () => {
    const order: string[] = [];
    const held: { answer?: string } = {};
    const memory = {
      read: () => held.answer,
      mark: () => (order.push('mark'), { version: 7 }),
      remember: (answer: string, mark: { version: number }) => order.push(`remember ${answer} ${mark.version}`),
    };
    const ask = () => (order.push('ask'), Promise.resolve('asked'));
    await expect(answerThrough(memory, ask)).resolves.toBe('asked');
    expect(order).toEqual(['mark', 'ask', 'remember asked 7']);
    held.answer = 'held';
    await expect(answerThrough(memory, ask)).resolves.toBe('held');
    expect(order).toHaveLength(3);
    await expect(answerThrough(undefined, ask)).resolves.toBe('asked');
    expect(order).toEqual(['mark', 'ask', 'remember asked 7', 'ask']);
  });
});

describe('answerThrough with a request under way (single flight)', () => {
  it('joins the flight the memory offers, otherwise asks and offers its own answer to others, with the mark taken before asking', async () => {
    const order: string[] = [];
    const flights = new Flights<string, number>();
    let joinable = true;
    let version = 7;
    const memory = {
      read: (): string | undefined => undefined,
      join: () => flights.join('k', (mark) => (order.push(`joinable ${mark}`), joinable)),
      mark: () => (order.push('mark'), version),
      flying: (answer: Promise<string>, mark: number) => (order.push(`flying ${mark}`), flights.start('k', mark, answer)),
      remember: (answer: string, mark: number) => order.push(`remember ${answer} ${mark}`),
    };
    const gates: ((answer: string) => void)[] = [];
    const ask = () => (order.push('ask'), new Promise<string>((resolve) => gates.push(resolve)));
    const first = answerThrough(memory, ask);
    const second = answerThrough(memory, ask);
    joinable = false;
    version = 8;
    const third = answerThrough(memory, ask);
    expect(gates).toHaveLength(2);
    gates[1]?.('newer');
    await expect(third).resolves.toBe('newer');
    gates[0]?.('older');
    await expect(first).resolves.toBe('older');
    await expect(second).resolves.toBe('older');
    expect(flights.size).toBe(0);
    expect(order).toEqual(['mark', 'ask', 'flying 7', 'joinable 7', 'joinable 7', 'mark', 'ask', 'flying 8', 'remember newer 8', 'remember older 7']);
  });
});

describe('Flights', () => {
  it('offers a flight only while it is under way and joinable; the newest flight of a key is the one offered; a failure settles it too', async () => {
    const flights = new Flights<string, number>();
    let openA: (v: string) => void = () => undefined;
    let failB: (e: Error) => void = () => undefined;
    const a = new Promise<string>((resolve) => (openA = resolve));
    const b = new Promise<string>((_, reject) => (failB = reject));
    flights.start('k', 1, a);
    expect(flights.join('k', () => true)).toBe(a);
    expect(flights.join('k', (mark) => mark > 1)).toBeUndefined();
    expect(flights.join('other', () => true)).toBeUndefined();
    flights.start('k', 2, b);
    expect(flights.join('k', () => true)).toBe(b);
    openA('a');
    await a;
    // The older flight landing does not take the newer one's place away.
    expect(flights.join('k', () => true)).toBe(b);
    failB(new Error('no answer'));
    await expect(b).rejects.toThrow('no answer');
    expect(flights.join('k', () => true)).toBeUndefined();
    expect(flights.size).toBe(0);
    flights.start('k', 3, new Promise<string>(() => undefined));
    flights.clear();
    expect(flights.size).toBe(0);
  });
});
