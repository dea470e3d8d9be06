import fc from 'fast-check';
import {
  buildSacctJobArgs,
  buildUserAccountsArgs,
  InvalidAccountingQueryError,
  parseSacctJob,
  parseUserAccounts,
  type SacctJob,
} from './slurm-accounting';

const nameArb = fc.stringMatching(/^[a-z_][a-z0-9_-]{0,31}$/);
const accountArb = fc.stringMatching(/^[a-z0-9_][a-z0-9_.-]{0,63}$/);
const jobIdArb = fc.oneof(fc.stringMatching(/^[1-9][0-9]{0,9}$/), fc.stringMatching(/^[1-9][0-9]{0,9}_[0-9]{1,7}$/));
const stateArb = fc.oneof(
  fc.constantFrom('PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL'),
  fc.nat(4_294_967_295).map((uid) => `CANCELLED by ${uid}`),
);
const recordArb = fc.record({
  jobId: jobIdArb,
  account: fc.oneof(accountArb, fc.constant('')),
  user: fc.oneof(nameArb, fc.nat(4_294_967_295).map(String)),
  state: stateArb,
  exitCode: fc.integer({ min: 0, max: 255 }),
  signal: fc.integer({ min: 0, max: 255 }),
});

function sacctLine(r: Omit<SacctJob, 'stateClass'>): string {
  return [r.jobId, r.account, r.user, r.state, `${r.exitCode}:${r.signal}`].join('|');
}

/** Characters that must never pass through a name or state: separators, controls, shell and sacctmgr syntax. */
const hostileChar = fc.constantFrom('|', '\n', '\r', '\t', ' ', '\u0000', '\u001b', '$', '`', ';', '&', '=', ',', '"', "'", '*', '/', '\\', 'É', '\u202e');

describe('buildSacctJobArgs', () => {
  it('asks for the allocation line of exactly one job, whoever ran it, with the fields parseSacctJob reads', () => {
    expect(buildSacctJobArgs('1962')).toEqual([
      '--noheader',
      '--parsable2',
      '--allocations',
      '--allusers',
      '--jobs=1962',
      '--format=JobID,Account,User,State,ExitCode',
    ]);
    expect(buildSacctJobArgs('1959_2')).toContain('--jobs=1959_2');
  });

  it('refuses any job id that is not digits (or digits_digits) before running anything', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.tuple(jobIdArb, hostileChar, fc.string({ maxLength: 10 })).map(([id, c, rest]) => `${id}${c}${rest}`),
          fc.constantFrom('', '-1', '1,2', '12345678901', '1_2_3', '--jobs=1', '1 2', '1_[2-3]'),
        ),
        (id) => {
          fc.pre(!/^[0-9]{1,10}(?:_[0-9]{1,7})?$/.test(id));
          expect(() => buildSacctJobArgs(id)).toThrow(InvalidAccountingQueryError);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('parseSacctJob', () => {
  it("reads a job's account, user, state and exit code", () => {
    expect(parseSacctJob('1962|alice-lab|alice|COMPLETED|0:0\n', '1962')).toEqual({
      jobId: '1962',
      account: 'alice-lab',
      user: 'alice',
      state: 'COMPLETED',
      stateClass: 'COMPLETED',
      exitCode: 0,
      signal: 0,
    });
    expect(parseSacctJob('77|genomics|bob|CANCELLED by 0|0:15', '77')).toMatchObject({ stateClass: 'CANCELLED', exitCode: 0, signal: 15 });
    expect(parseSacctJob('78|ops|carol|FAILED|3:0', '78')).toMatchObject({ stateClass: 'FAILED', exitCode: 3 });
  });

  it('is undefined while accounting has no record of the job', () => {
    expect(parseSacctJob('', '1962')).toBeUndefined();
    expect(parseSacctJob('\n', '1962')).toBeUndefined();
  });

  it('picks the asked-for array task among its siblings and the pending rest of the array', () => {
    const out = ['40_0|genomics|bob|COMPLETED|0:0', '40_1|genomics|bob|FAILED|1:0', '40_[2-9%2]|genomics|bob|PENDING|0:0', ''].join('\n');
    expect(parseSacctJob(out, '40_1')).toMatchObject({ jobId: '40_1', exitCode: 1, stateClass: 'FAILED' });
    expect(parseSacctJob(out, '40')).toBeUndefined();
  });

  it('gives back every well-formed record exactly (property)', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 8 }), fc.nat(), (records, pick) => {
        const wanted = records[pick % records.length];
        if (!wanted) return;
        const last = [...records].reverse().find((r) => r.jobId === wanted.jobId) ?? wanted;
        const parsed = parseSacctJob(records.map(sacctLine).join('\n') + '\n', wanted.jobId);
        expect(parsed).toMatchObject(last);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a line with a hostile character in any field, a field too many or too few, or an impossible exit code (property)', () => {
    const mutated = fc
      .tuple(recordArb, fc.integer({ min: 0, max: 4 }), hostileChar, fc.nat())
      .map(([r, field, c, at]) => {
        const fields = sacctLine(r).split('|');
        const value = fields[field] ?? '';
        const pos = at % (value.length + 1);
        fields[field] = value.slice(0, pos) + c + value.slice(pos);
        return { line: fields.join('|'), jobId: r.jobId };
      })
      .filter(({ line }) => !line.includes('\n') || line.split('\n').some((l) => l !== '' && l.split('|').length !== 5));
    const shapes = fc.oneof(
      mutated,
      recordArb.map((r) => ({ line: `${sacctLine(r)}|extra`, jobId: r.jobId })),
      recordArb.map((r) => ({ line: sacctLine(r).split('|').slice(0, 4).join('|'), jobId: r.jobId })),
      fc.tuple(recordArb, fc.integer({ min: 256, max: 999 })).map(([r, code]) => ({ line: sacctLine({ ...r, exitCode: code }), jobId: r.jobId })),
      recordArb.map((r) => ({ line: sacctLine({ ...r, state: r.state.toLowerCase() }), jobId: r.jobId })),
    );
    fc.assert(
      fc.property(shapes, ({ line, jobId }) => {
        expect(() => parseSacctJob(`${line}\n`, jobId)).toThrow(/^unexpected sacct line: /);
      }),
      { numRuns: 500 },
    );
  });

  it('never returns a record whose fields are not what sacct can print, whatever the output (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 100 })), jobIdArb, (out, jobId) => {
        let parsed: SacctJob | undefined;
        try {
          parsed = parseSacctJob(out, jobId);
        } catch (error) {
          expect(String(error)).toMatch(/unexpected sacct line: /);
          return;
        }
        if (parsed === undefined) return;
        expect(parsed.jobId).toBe(jobId);
        expect(parsed.user).toMatch(/^[a-z0-9_][a-z0-9_.-]{0,63}$/);
        expect(parsed.account).toMatch(/^(?:[a-z0-9_][a-z0-9_.-]{0,63})?$/);
        expect(parsed.exitCode).toBeLessThanOrEqual(255);
      }),
      { numRuns: 500 },
    );
  });

  it('quotes at most 200 characters of a bad line in its error', () => {
    expect(() => parseSacctJob(`${'x'.repeat(10_000)}\n`, '1')).toThrow(/^unexpected sacct line: "x{200}"$/);
  });
});

describe('buildUserAccountsArgs', () => {
  it("lists one user's associations with the default account, optionally of one cluster", () => {
    expect(buildUserAccountsArgs('alice')).toEqual([
      '--noheader',
      '--parsable2',
      'show',
      'user',
      'withassoc',
      'where',
      'name=alice',
      'format=DefaultAccount,Account',
    ]);
    expect(buildUserAccountsArgs('cairn-job', 'cairn-dev')).toEqual(expect.arrayContaining(['name=cairn-job', 'cluster=cairn-dev']));
  });

  it('refuses a user or cluster name that could say more to sacctmgr than one name (property)', () => {
    const hostile = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.tuple(nameArb, hostileChar, fc.string({ maxLength: 10 })).map(([n, c, rest]) => `${n}${c}${rest}`),
      fc.constantFrom('', '-n', 'Alice', 'alice bob', 'alice,bob', 'alice where name=bob', 'a'.repeat(33), '1001'),
    );
    fc.assert(
      fc.property(hostile, (name) => {
        fc.pre(!/^[a-z_][a-z0-9_-]{0,31}$/.test(name));
        expect(() => buildUserAccountsArgs(name)).toThrow(InvalidAccountingQueryError);
        expect(() => buildUserAccountsArgs('alice', name.replace(/^[a-z0-9_][a-z0-9_-]{0,63}$/, 'a b'))).toThrow(InvalidAccountingQueryError);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseUserAccounts', () => {
  it('puts the default account first, each account once', () => {
    expect(parseUserAccounts('alice-lab|genomics\nalice-lab|alice-lab\n')).toEqual(['alice-lab', 'genomics']);
    expect(parseUserAccounts('genomics|genomics\ngenomics|genomics\n')).toEqual(['genomics']);
    expect(parseUserAccounts('')).toEqual([]);
    expect(parseUserAccounts('|\n')).toEqual([]);
  });

  it('gives back any well-formed association list, default first (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(accountArb, { minLength: 1, maxLength: 10 }), fc.nat(), (accounts, pick) => {
        const def = accounts[pick % accounts.length] ?? '';
        const out = accounts.map((a) => `${def}|${a}`).join('\n');
        expect(parseUserAccounts(out)).toEqual([def, ...accounts.filter((a) => a !== def)]);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses hostile lines: a separator or control character in a name, a field too many or too few, one empty field, mixed defaults (property)', () => {
    const shapes = fc.oneof(
      fc.tuple(accountArb, accountArb, hostileChar, fc.boolean()).map(([d, a, c, inDefault]) => (inDefault ? `${d}${c}|${a}` : `${d}|${c}${a}`)),
      fc.tuple(accountArb, accountArb).map(([d, a]) => `${d}|${a}|x`),
      accountArb,
      fc.tuple(accountArb, fc.boolean()).map(([a, emptyDefault]) => (emptyDefault ? `|${a}` : `${a}|`)),
      fc.tuple(accountArb, accountArb).filter(([x, y]) => x !== y).map(([x, y]) => `${x}|${x}\n${y}|${y}`),
    );
    fc.assert(
      fc.property(shapes, (out) => {
        fc.pre(out.split('\n').some((l) => l !== ''));
        expect(() => parseUserAccounts(out)).toThrow(/^unexpected sacctmgr line: /);
      }),
      { numRuns: 500 },
    );
  });
});
