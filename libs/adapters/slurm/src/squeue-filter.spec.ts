import fc from 'fast-check';
import { buildSqueueArgs, classifySlurmState, countArrayTasks, InvalidBatchJobError, LIVE_STATES, MAX_SQUEUE_USERS, SQUEUE_FORMAT } from './slurm-args';
import { parseSacctLines } from './slurm-accounting';

const userName = fc.stringMatching(/^[a-z_][a-z0-9_-]{0,31}$/);
const users = fc.array(userName, { minLength: 1, maxLength: 20 });

describe('buildSqueueArgs with a filter (the agent’s listing)', () => {
  it('lists the given users’ live jobs, names each user once in a stable order, and keeps the format last', () => {
    fc.assert(
      fc.property(users, (names) => {
        const args = buildSqueueArgs({ users: names });
        expect(args).toEqual(['--noheader', `--user=${[...new Set(names)].sort().join(',')}`, `--states=${LIVE_STATES.join(',')}`, `--format=${SQUEUE_FORMAT}`]);
        expect(buildSqueueArgs({ users: [...names].reverse() })).toEqual(args);
      }),
      { numRuns: 200 },
    );
  });

  it('includes the finished jobs the controller remembers when asked (adoption after a restart)', () => {
    expect(buildSqueueArgs({ users: ['cairn-job', 'alice'], finished: true })).toEqual(['--noheader', '--user=alice,cairn-job', '--states=all', `--format=${SQUEUE_FORMAT}`]);
  });

  it('lists every job the controller remembers without a filter (the former listing)', () => {
    expect(buildSqueueArgs()).toEqual(['--noheader', '--states=all', `--format=${SQUEUE_FORMAT}`]);
  });

  it('asks for exactly the states Cairn reads as PENDING or RUNNING', () => {
    const known = [...LIVE_STATES, 'COMPLETED', 'FAILED', 'NODE_FAIL', 'BOOT_FAIL', 'OUT_OF_MEMORY', 'DEADLINE', 'PREEMPTED', 'SPECIAL_EXIT', 'REVOKED', 'CANCELLED', 'TIMEOUT'];
    for (const state of known) {
      const live = ['PENDING', 'RUNNING'].includes(classifySlurmState(state) ?? '');
      expect({ state, listed: LIVE_STATES.includes(state) }).toEqual({ state, listed: live });
    }
  });

  it('refuses any user that is not a POSIX name or uid (an option, a list separator, a shell word), whatever its neighbours', () => {
    const hostile = fc.oneof(
      fc.string({ maxLength: 40 }).filter((s) => !/^(?:[a-z_][a-z0-9_-]{0,31}|[0-9]{1,10})$/.test(s)),
      fc.constantFrom('', '-a', '--all', 'a,b', 'bob;id', '$(id)', 'ALICE', 'a b', 'x'.repeat(33), 'alice\n', '01234567890'),
    );
    fc.assert(
      fc.property(users, hostile, fc.nat(20), (names, bad, at) => {
        const list = [...names];
        list.splice(at % (list.length + 1), 0, bad);
        expect(() => buildSqueueArgs({ users: list })).toThrow(InvalidBatchJobError);
      }),
      { numRuns: 300 },
    );
  });

  it(`takes 1 to ${MAX_SQUEUE_USERS} users, no more and not none`, () => {
    expect(() => buildSqueueArgs({ users: [] })).toThrow(/user count/);
    const most = Array.from({ length: MAX_SQUEUE_USERS }, (_, i) => `u${i}`);
    expect(buildSqueueArgs({ users: most })[1]?.split(',')).toHaveLength(MAX_SQUEUE_USERS);
    expect(() => buildSqueueArgs({ users: [...most, 'one-more'] })).toThrow(/user count/);
  });
});

describe('countArrayTasks', () => {
  it('counts one for a task or a plain job, and each index of a pending rest', () => {
    expect(countArrayTasks('123')).toBe(1);
    expect(countArrayTasks('123_4')).toBe(1);
    expect(countArrayTasks('123_[5-9%4]')).toBe(5);
    expect(countArrayTasks('123_[1,3,7-9]')).toBe(5);
  });

  it('counts the indices of any list of ranges, with or without a throttle', () => {
    const range = fc.tuple(fc.nat(100_000), fc.nat(1000)).map(([first, length]) => ({ first, last: first + length }));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9_999_999 }), fc.array(range, { minLength: 1, maxLength: 10 }), fc.option(fc.integer({ min: 1, max: 1000 })), (id, ranges, throttle) => {
        const text = ranges.map((r) => (r.first === r.last ? `${r.first}` : `${r.first}-${r.last}`)).join(',');
        const expected = ranges.reduce((sum, r) => sum + r.last - r.first + 1, 0);
        expect(countArrayTasks(`${id}_[${text}${throttle === null ? '' : `%${throttle}`}]`)).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('counts anything else squeue might print as one, never zero or NaN', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (id) => {
        const n = countArrayTasks(id);
        expect(Number.isInteger(n) && n >= 1).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseSacctLines', () => {
  it('reads every task of an array job, the pending rest included', () => {
    const out = ['7_0|cairn|cairn-job|COMPLETED|0:0', '7_1|cairn|cairn-job|TIMEOUT|0:15', '7_[2-3]|cairn|cairn-job|CANCELLED by 0|0:0', ''].join('\n');
    expect(parseSacctLines(out).map((j) => [j.jobId, j.stateClass])).toEqual([
      ['7_0', 'COMPLETED'],
      ['7_1', 'TIMEOUT'],
      ['7_[2-3]', 'CANCELLED'],
    ]);
  });

  it('refuses the whole answer when any line is not what sacct prints', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }).filter((s) => s !== '' && !s.includes('\n') && s.split('|').length !== 5), (line) => {
        expect(() => parseSacctLines(`7_0|cairn|cairn-job|COMPLETED|0:0\n${line}\n`)).toThrow(/unexpected sacct line/);
      }),
      { numRuns: 200 },
    );
  });
});
