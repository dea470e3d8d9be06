import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobState, SubmitAttemptCommand } from '@cairn/contracts';
import type { SacctJob, SlurmJobInfo, SlurmRepository, SqueueFilter } from '@cairn/adapters/slurm';
import { createLogger } from '@cairn/logging';
import { strictMock } from '@cairn/testing';
import fc from 'fast-check';
import type { AttemptEvents, EventDetails } from './attempt-events';
import { type Attempt, AttemptStore, attemptStatusSchema } from './attempt-store';
import { EXIT_RECORD_MAX_BYTES } from './exit-record';
import { classifySlurmState } from '@cairn/adapters/slurm';
import { NEVER_STARTED, type PollerOptions, SlurmPoller } from './slurm-poller';

const ATTEMPT = '3f1c2b4a-0000-4000-8000-000000000001';

function setup(squeue: SlurmJobInfo[][], options?: PollerOptions) {
  const store = new AttemptStore(mkdtempSync(join(tmpdir(), 'poller-')));
  const attempt: Attempt = {
    id: ATTEMPT,
    dir: store.dirOf(ATTEMPT),
    command: undefined,
    status: attemptStatusSchema.parse({ slurmJobId: '42' }),
  };
  mkdirSync(join(attempt.dir, 'out'), { recursive: true });
  const published: { state: JobState; details: EventDetails }[] = [];
  const events = strictMock<AttemptEvents>({
    publish: async (a: Attempt, state: Exclude<JobState, 'ACCEPTED'>, details: EventDetails = {}) => {
      if (a.status.published.includes(state)) return;
      a.status.published.push(state);
      if (['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT'].includes(state)) a.status.final = true;
      published.push({ state, details });
    },
  });
  let call = 0;
  const filters: (SqueueFilter | undefined)[] = [];
  const slurm = strictMock<SlurmRepository>({
    listJobs: async (filter?: SqueueFilter) => {
      filters.push(filter);
      return squeue[Math.min(call++, squeue.length - 1)] ?? [];
    },
  });
  const poller = new SlurmPoller(store, slurm, events, createLogger('test', 'silent'), options);
  return { attempt, poller: { tick: () => poller.tick([attempt]), urge: () => poller.urge(), factor: () => poller.backoffFactor() }, published, calls: () => call, filters };
}

const job = (state: string, reason = 'None'): SlurmJobInfo => ({
  jobId: '42',
  name: `cairn-${ATTEMPT}`,
  state,
  reason,
  nodes: 'node1',
  user: 'cairn-job',
  comment: `cairn-${ATTEMPT}`,
});

/** A record as the wrappers write it: one line, whole once it ends in a newline. */
const recordLine = (value: unknown): string => `${JSON.stringify(value)}\n`;

function writeRecords(attempt: Attempt, exitCode?: number): void {
  writeFileSync(join(attempt.dir, 'out', 'start.json'), recordLine({ startedAt: 'x', host: 'node1', slurmJobId: '42' }));
  if (exitCode !== undefined) {
    writeFileSync(join(attempt.dir, 'out', 'exit.json'), recordLine({ startedAt: 'x', endedAt: 'y', host: 'node1', exitCode, slurmJobId: '42' }));
  }
}

describe('SlurmPoller', () => {
  it('publishes PENDING, then RUNNING, then the final state with the exit record’s code', async () => {
    const { attempt, poller, published } = setup([[job('PENDING', 'Priority')], [job('RUNNING')], [job('FAILED', 'NonZeroExitCode')]]);
    await poller.tick();
    await poller.tick();
    writeRecords(attempt, 3);
    await poller.tick();
    expect(published.map((p) => p.state)).toEqual(['PENDING', 'RUNNING', 'FAILED']);
    expect(published[0]?.details.reason).toBe('Priority');
    expect(published[2]?.details).toMatchObject({ exitCode: 3, reason: 'FAILED: NonZeroExitCode' });
    expect(attempt.status.final).toBe(true);
  });

  it('fills in the states a short job went through between two polls', async () => {
    const { attempt, poller, published } = setup([[job('COMPLETED')]]);
    writeRecords(attempt, 0);
    await poller.tick();
    expect(published.map((p) => p.state)).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
    expect(published[2]?.details.exitCode).toBe(0);
  });

  it('does not invent RUNNING for a job cancelled before it started', async () => {
    const { attempt, poller, published } = setup([[job('CANCELLED')]]);
    attempt.status.cancelRequested = true;
    await poller.tick();
    expect(published.map((p) => p.state)).toEqual(['PENDING', 'CANCELLED']);
    expect(published[1]?.details.reason).toBe('cancelled by request');
  });

  it('reads the outcome from the exit record once Slurm has forgotten the job', async () => {
    const { attempt, poller, published } = setup([[]]);
    writeRecords(attempt, 0);
    await poller.tick();
    expect(published.map((p) => p.state)).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
  });

  it('declares a job lost only after it is missing from five polls in a row, with no exit record', async () => {
    const { poller, published, calls } = setup([[]]);
    for (let i = 0; i < 4; i += 1) await poller.tick();
    expect(published).toEqual([]);
    await poller.tick();
    expect(published.map((p) => p.state)).toEqual(['PENDING', 'FAILED']);
    expect(published[1]?.details.reason).toBe('the job left Slurm without an exit record');
    expect(calls()).toBe(5);
  });

  it('makes one squeue call per tick, and none when nothing is being followed', async () => {
    const { attempt, poller, calls } = setup([[job('RUNNING')]]);
    await poller.tick();
    await poller.tick();
    expect(calls()).toBe(2);
    attempt.status.final = true;
    await poller.tick();
    expect(calls()).toBe(2);
  });
});

/** Slurm accounting that answers `records` for job 42 (and counts the questions). */
function accounting(records: () => SacctJob[] | Error) {
  const asked: string[] = [];
  return {
    asked,
    accounting: {
      jobRecords: async (jobId: string) => {
        asked.push(jobId);
        const answer = records();
        if (answer instanceof Error) throw answer;
        return answer;
      },
    },
  };
}

const sacct = (state: string, jobId = '42'): SacctJob => ({
  jobId,
  account: 'cairn',
  user: 'cairn-job',
  state,
  stateClass: classifySlurmState(state),
  exitCode: 0,
  signal: 0,
});

describe('SlurmPoller listing only its users’ live jobs (the exit record and accounting say how they ended)', () => {
  it('asks for the live jobs of the job user, or of each person an attempt runs as', async () => {
    const { attempt, poller, filters } = setup([[job('RUNNING')]], { jobUser: 'cairn-job' });
    await poller.tick();
    attempt.command = { runAs: { posixUser: 'alice', account: 'alice-lab' } } as Attempt['command'];
    await poller.tick();
    expect(filters).toEqual([{ users: ['cairn-job'] }, { users: ['alice'] }]);
  });

  it('lists everything the controller remembers without a job user (the former listing)', async () => {
    const { poller, filters } = setup([[job('RUNNING')]]);
    await poller.tick();
    expect(filters).toEqual([undefined]);
  });

  it('completes a job that left the listing with exit code 0 from its exit record, without asking accounting', async () => {
    const acct = accounting(() => [sacct('COMPLETED')]);
    const { attempt, poller, published } = setup([[job('RUNNING')], []], { jobUser: 'cairn-job', accounting: acct.accounting });
    await poller.tick();
    writeRecords(attempt, 0);
    await poller.tick();
    expect(published.map((p) => p.state)).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
    expect(acct.asked).toEqual([]);
  });

  it.each([
    ['TIMEOUT', 143, 'TIMEOUT', 'time limit reached'],
    ['CANCELLED by 0', 143, 'CANCELLED', 'CANCELLED by 0'],
    ['FAILED', 3, 'FAILED', 'FAILED'],
    ['NODE_FAIL', undefined, 'FAILED', 'NODE_FAIL'],
    ['OUT_OF_MEMORY', 137, 'FAILED', 'OUT_OF_MEMORY'],
  ])('asks accounting how a job that left the listing ended when the exit record does not say (%s, exit %s)', async (state, exitCode, final, reason) => {
    const acct = accounting(() => [sacct(state)]);
    const { attempt, poller, published } = setup([[job('RUNNING')], []], { jobUser: 'cairn-job', accounting: acct.accounting });
    await poller.tick();
    writeRecords(attempt, exitCode);
    await poller.tick();
    expect(published.at(-1)).toEqual({ state: final, details: expect.objectContaining({ exitCode: exitCode ?? null, reason }) });
    expect(acct.asked).toEqual(['42']);
  });

  it('says Slurm could not start the script when a job failed before its wrapper wrote a start record, from the listing or from accounting', async () => {
    const listed = setup([[job('FAILED', 'JobLaunchFailure')]]);
    await listed.poller.tick();
    expect(listed.published).toEqual([
      { state: 'PENDING', details: {} },
      { state: 'FAILED', details: expect.objectContaining({ exitCode: null, reason: `FAILED: JobLaunchFailure: ${NEVER_STARTED}` }) },
    ]);
    const acct = accounting(() => [sacct('FAILED')]);
    const accounted = setup([[]], { jobUser: 'cairn-job', accounting: acct.accounting });
    await accounted.poller.tick();
    expect(accounted.published.at(-1)).toEqual({ state: 'FAILED', details: expect.objectContaining({ exitCode: null, reason: `FAILED: ${NEVER_STARTED}` }) });
    // Slurm lists a job RUNNING from its allocation, before the launch fails: seen there first, the same reason.
    const seenRunning = setup([[job('RUNNING')], []], { jobUser: 'cairn-job', accounting: acct.accounting });
    await seenRunning.poller.tick();
    await seenRunning.poller.tick();
    expect(seenRunning.published.map((p) => p.state)).toEqual(['PENDING', 'RUNNING', 'FAILED']);
    expect(seenRunning.published.at(-1)).toEqual({ state: 'FAILED', details: expect.objectContaining({ exitCode: null, reason: `FAILED: ${NEVER_STARTED}` }) });
    // Once the wrapper has started, a failure is the job's own: Slurm's word alone.
    const started = setup([[job('FAILED', 'NonZeroExitCode')]]);
    writeFileSync(join(started.attempt.dir, 'out', 'start.json'), recordLine({ startedAt: 'x', host: 'node1', slurmJobId: '42' }));
    await started.poller.tick();
    expect(started.published.at(-1)).toEqual({ state: 'FAILED', details: expect.objectContaining({ exitCode: null, reason: 'FAILED: NonZeroExitCode' }) });
  });

  it('waits for accounting to record the end (or to answer), then fails with the exit record’s code after thirty polls', async () => {
    let answer: SacctJob[] | Error = [sacct('RUNNING')];
    const acct = accounting(() => answer);
    const { attempt, poller, published } = setup([[]], { jobUser: 'cairn-job', accounting: acct.accounting });
    writeRecords(attempt, 2);
    await poller.tick();
    answer = new Error('slurmdbd down');
    for (let i = 0; i < 20; i += 1) await poller.tick();
    answer = [];
    for (let i = 0; i < 8; i += 1) await poller.tick();
    expect(published).toEqual([]);
    await poller.tick();
    expect(published.map((p) => p.state)).toEqual(['PENDING', 'RUNNING', 'FAILED']);
    expect(published.at(-1)?.details.exitCode).toBe(2);
    expect(acct.asked).toHaveLength(30);
  });

  it.each([
    ['CANCELLED by 0', 'CANCELLED', 'cancelled by request'],
    ['COMPLETED', 'COMPLETED', ''],
  ])('asks accounting how a job cancelled on request ended, whatever its exit record says (%s)', async (state, final, reason) => {
    const acct = accounting(() => [sacct(state)]);
    const { attempt, poller, published } = setup([[job('RUNNING')], []], { jobUser: 'cairn-job', accounting: acct.accounting });
    await poller.tick();
    attempt.status.cancelRequested = true;
    // A runtime may exit 0 on the SIGTERM of a cancel.
    writeRecords(attempt, 0);
    await poller.tick();
    expect(published.at(-1)).toEqual({ state: final, details: expect.objectContaining({ exitCode: 0, reason }) });
    expect(acct.asked).toEqual(['42']);
  });

  it('ends a job cancelled on request CANCELLED when accounting never says', async () => {
    const acct = accounting(() => []);
    const { attempt, poller, published } = setup([[]], { jobUser: 'cairn-job', accounting: acct.accounting });
    attempt.status.cancelRequested = true;
    writeRecords(attempt, 0);
    for (let i = 0; i < 30; i += 1) await poller.tick();
    expect(published.map((p) => [p.state, p.details.reason])).toEqual([
      ['PENDING', undefined],
      ['RUNNING', ''],
      ['CANCELLED', 'cancelled by request'],
    ]);
  });

  it('asks accounting about a job that exited 0 at its time limit (a runtime may exit 0 on that SIGTERM), not one well within it', async () => {
    for (const [ranS, asked, final] of [
      [55, ['42'], 'TIMEOUT'],
      [30, [], 'COMPLETED'],
    ] as const) {
      const acct = accounting(() => [sacct('TIMEOUT')]);
      const { attempt, poller, published } = setup([[]], { jobUser: 'cairn-job', accounting: acct.accounting });
      attempt.command = { spec: { resources: { cpus: 1, memoryMb: 1, timeLimitSeconds: 60 } } } as unknown as SubmitAttemptCommand;
      writeFileSync(
        join(attempt.dir, 'out', 'exit.json'),
        recordLine({ startedAt: '2026-12-02T05:00:00.000Z', endedAt: new Date(Date.parse('2026-12-02T05:00:00.000Z') + ranS * 1000).toISOString(), host: 'node1', exitCode: 0, slurmJobId: '42' }),
      );
      await poller.tick();
      expect({ ranS, asked: acct.asked, final: published.at(-1)?.state }).toEqual({ ranS, asked, final });
    }
  });

  it('ends a job someone else cancelled before it started as accounting says, with no exit record', async () => {
    const acct = accounting(() => [sacct('CANCELLED by 0')]);
    const { poller, published } = setup([[job('PENDING')], []], { jobUser: 'cairn-job', accounting: acct.accounting });
    await poller.tick();
    await poller.tick();
    expect(published.map((p) => [p.state, p.details.reason])).toEqual([
      ['PENDING', ''],
      ['CANCELLED', 'CANCELLED by 0'],
    ]);
  });
});

describe('SlurmPoller back-off', () => {
  it('lists less often while nothing changes, at every tick again once urged, and always when a state changes', async () => {
    const { poller, calls } = setup([[job('RUNNING')]], { jobUser: 'cairn-job', backoffFactor: 4 });
    const listedAt: number[] = [];
    for (let t = 0; t < 16; t += 1) if (await poller.tick()) listedAt.push(t);
    // Changes at the first listing (PENDING, RUNNING), then quiet: 2, 4, 4 ... ticks apart.
    expect(listedAt).toEqual([0, 1, 3, 7, 11, 15]);
    expect(poller.factor()).toBe(4);
    poller.urge();
    expect(await poller.tick()).toBe(true);
    expect(calls()).toBe(7);
  });
});

describe('SlurmPoller with records a job forged or corrupted (the job user can write them)', () => {
  const exitPath = (attempt: Attempt) => join(attempt.dir, 'out', 'exit.json');
  const valid = { startedAt: 'x', endedAt: 'y', host: 'node1', exitCode: 0, slurmJobId: '42' };
  it.each([
    ['not JSON', () => '{"exitCode":0', /it is not JSON/],
    ['a wrong type', () => JSON.stringify({ ...valid, exitCode: '0' }), /exitCode/],
    ['an exit code out of range', () => JSON.stringify({ ...valid, exitCode: 1e300 }), /exitCode/],
    ['a negative exit code', () => JSON.stringify({ ...valid, exitCode: -1 }), /exitCode/],
    ['another Slurm job', () => JSON.stringify({ ...valid, slurmJobId: '41' }), /names Slurm job "41", not 42/],
    ['a huge host', () => JSON.stringify({ ...valid, host: 'h'.repeat(EXIT_RECORD_MAX_BYTES) }), new RegExp(`larger than ${EXIT_RECORD_MAX_BYTES} bytes`)],
    ['a host longer than 255', () => JSON.stringify({ ...valid, host: 'h'.repeat(256) }), /host/],
    ['megabytes of padding', () => ' '.repeat(2 << 20) + JSON.stringify(valid), new RegExp(`larger than ${EXIT_RECORD_MAX_BYTES} bytes`)],
    ['an array', () => '[]', /record/],
    ['null', () => 'null', /record/],
  ])('fails the attempt with the reason, never crashing, when exit.json is %s (Slurm says COMPLETED)', async (_what, content, reason) => {
    const { attempt, poller, published } = setup([[job('COMPLETED')]]);
    writeFileSync(exitPath(attempt), `${content()}\n`);
    await poller.tick();
    expect(published.at(-1)?.state).toBe('FAILED');
    expect(published.at(-1)?.details.reason).toMatch(/^the job's exit record is invalid: /);
    expect(published.at(-1)?.details.reason).toMatch(reason);
  });

  it.each([
    ['a symbolic link to a file of the agent', (path: string) => symlinkSync('/etc/passwd', path), /is a symbolic link/],
    ['a FIFO (reading must not block)', (path: string) => execFileSync('mkfifo', [path]), /is not a regular file/],
    ['a directory', (path: string) => mkdirSync(path), /is not a regular file/],
  ])('fails the attempt when exit.json is %s, after Slurm forgot the job', async (_what, plant, reason) => {
    const { attempt, poller, published } = setup([[]]);
    plant(exitPath(attempt));
    await poller.tick();
    expect(published.map((p) => p.state)).toEqual(['PENDING', 'FAILED']);
    expect(published.at(-1)?.details.reason).toMatch(reason);
  });

  it('takes an exit record whose line has not ended (being written, or cut short by a SIGKILL) as not there, never as invalid: Slurm’s word decides', async () => {
    const line = recordLine({ ...valid, exitCode: 3 });
    for (let cut = 0; cut < line.length; cut += 1) {
      const { attempt, poller, published } = setup([[job('COMPLETED')]]);
      writeFileSync(exitPath(attempt), line.slice(0, cut));
      await poller.tick();
      expect({ cut, final: published.at(-1) }).toMatchObject({ cut, final: { state: 'COMPLETED', details: { exitCode: null, reason: '' } } });
    }
    // Slurm has forgotten the job: accounting's word (a time limit), where a cut record would once have failed it.
    const acct = accounting(() => [sacct('TIMEOUT')]);
    const { attempt, poller, published } = setup([[]], { jobUser: 'cairn-job', accounting: acct.accounting });
    writeFileSync(exitPath(attempt), line.slice(0, -1));
    await poller.tick();
    expect(published.at(-1)).toMatchObject({ state: 'TIMEOUT', details: { exitCode: null, reason: 'time limit reached' } });
    // The whole line is read: its exit code is the wrapper's.
    const whole = setup([[job('COMPLETED')]]);
    writeFileSync(exitPath(whole.attempt), line);
    await whole.poller.tick();
    expect(whole.published.at(-1)).toMatchObject({ state: 'COMPLETED', details: { exitCode: 3 } });
  });

  it('takes whatever a property-generated exit.json holds without throwing: valid ones by their code, the rest FAILED with a reason', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), fc.json(), fc.record({ exitCode: fc.integer(), slurmJobId: fc.constantFrom('42', '43') }).map((r) => JSON.stringify({ ...valid, ...r }))), async (content) => {
        const { attempt, poller, published } = setup([[job('COMPLETED')]]);
        writeFileSync(exitPath(attempt), content);
        await poller.tick();
        const last = published.at(-1);
        expect(['COMPLETED', 'FAILED']).toContain(last?.state);
        if (last?.state === 'FAILED') expect(last.details.reason).toMatch(/^the job's exit record is invalid: /);
      }),
      { numRuns: 60 },
    );
  });
});

describe('SlurmPoller with an array attempt', () => {
  const task = (id: string, state: string): SlurmJobInfo => ({ ...job(state), jobId: id });
  const records = (attempt: Attempt, element: number, exits: [number, number][]) =>
    writeFileSync(
      join(attempt.dir, 'out', `items-${element}.jsonl`),
      exits.map(([item, exitCode]) => JSON.stringify({ item, exitCode, startedAt: 'a', endedAt: 'b', host: 'h' })).join('\n'),
    );

  it('is PENDING while only the pending rest is listed, RUNNING when a task runs, and COMPLETED when every item exited 0', async () => {
    const { attempt, poller, published } = setup([
      [task('42_[0-1%1]', 'PENDING')],
      [task('42_0', 'RUNNING'), task('42_[1]', 'PENDING')],
      [task('42_0', 'COMPLETED'), task('42_1', 'COMPLETED')],
    ]);
    attempt.status.elements = 2;
    await poller.tick();
    await poller.tick();
    records(attempt, 0, [[0, 0], [1, 0]]);
    records(attempt, 1, [[2, 0]]);
    await poller.tick();
    expect(published.map((p) => [p.state, p.details.reason ?? ''])).toEqual([
      ['PENDING', ''],
      ['RUNNING', '0 of 2 elements done'],
      ['COMPLETED', '3 items completed'],
    ]);
  });

  it('counts the elements done from a listing of live tasks only (ended ones are not listed), then completes from the items’ records', async () => {
    const acct = accounting(() => new Error('accounting is not asked when every item exited 0'));
    const { attempt, poller, published } = setup([[task('42_3', 'RUNNING'), task('42_[4-5]', 'PENDING')], []], { jobUser: 'cairn-job', accounting: acct.accounting });
    attempt.status.elements = 6;
    await poller.tick();
    for (let k = 0; k < 6; k += 1) records(attempt, k, [[k, 0]]);
    await poller.tick();
    expect(published.map((p) => [p.state, p.details.reason ?? ''])).toEqual([
      ['PENDING', ''],
      ['RUNNING', '3 of 6 elements done'],
      ['COMPLETED', '6 items completed'],
    ]);
    expect(acct.asked).toEqual([]);
  });

  it('says TIMEOUT when accounting says an element hit its time limit (items failed or never ran), FAILED otherwise', async () => {
    for (const [states, final] of [
      [['COMPLETED', 'TIMEOUT'], 'TIMEOUT'],
      [['COMPLETED', 'FAILED'], 'FAILED'],
    ] as const) {
      const acct = accounting(() => states.map((state, k) => sacct(state, `42_${k}`)));
      const { attempt, poller, published } = setup([[]], { jobUser: 'cairn-job', accounting: acct.accounting });
      attempt.status.elements = 2;
      attempt.command = { spec: {}, array: { items: ['a', 'b', 'c'], itemsPerElement: 2 } } as unknown as SubmitAttemptCommand;
      records(attempt, 0, [[0, 0], [1, 0]]);
      records(attempt, 1, [[2, 143]]);
      await poller.tick();
      expect(published.at(-1)).toEqual({ state: final, details: { reason: '1 of 3 items failed (2)' } });
      expect(acct.asked).toEqual(['42']);
    }
  });

  it('fails naming the failed items, and says which items never ran', async () => {
    const { attempt, poller, published } = setup([[task('42_0', 'FAILED'), task('42_1', 'CANCELLED')]]);
    attempt.status.elements = 2;
    attempt.command = { spec: {}, array: { items: ['a', 'b', 'c'], itemsPerElement: 2 } } as unknown as SubmitAttemptCommand;
    records(attempt, 0, [[0, 0], [1, 3]]);
    await poller.tick();
    expect(published.at(-1)).toEqual({ state: 'FAILED', details: { reason: '1 of 3 items failed (1); 1 item did not run' } });
  });

  it('names items by their index in the workflow step when the attempt gives indices', async () => {
    const { attempt, poller, published } = setup([[task('42_0', 'FAILED'), task('42_1', 'CANCELLED')]]);
    attempt.status.elements = 2;
    attempt.command = { spec: {}, array: { items: ['a', 'b', 'c'], itemsPerElement: 2, indices: [3, 17, 40] } } as unknown as SubmitAttemptCommand;
    // A record under a position (1) rather than an index is not one of this attempt's items.
    records(attempt, 0, [[3, 0], [17, 2], [1, 0]]);
    await poller.tick();
    expect(published.at(-1)).toEqual({ state: 'FAILED', details: { reason: '1 of 3 items failed (17); 1 item did not run' } });
  });

  it('completes an attempt with indices once every index has a record with exit code 0', async () => {
    const { attempt, poller, published } = setup([[task('42_0', 'COMPLETED'), task('42_1', 'COMPLETED')]]);
    attempt.status.elements = 2;
    attempt.command = { spec: {}, array: { items: ['a', 'b', 'c'], itemsPerElement: 2, indices: [3, 17, 40] } } as unknown as SubmitAttemptCommand;
    records(attempt, 0, [[3, 0], [17, 0]]);
    records(attempt, 1, [[40, 0]]);
    await poller.tick();
    expect(published.map((p) => p.state)).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
    expect(published.at(-1)?.details).toEqual({ exitCode: 0, reason: '3 items completed' });
  });
});

describe('SlurmPoller reports what the wrapper measured', () => {
  const HEX = 'cd'.repeat(32);
  const DIGEST = `sha256:${'b'.repeat(64)}`;
  const withRun = (run: NonNullable<SubmitAttemptCommand['spec']['run']>, array?: SubmitAttemptCommand['array']): SubmitAttemptCommand => ({
    attemptId: ATTEMPT,
    jobId: '9f1c2b4a-0000-4000-8000-000000000009',
    spec: { name: 'j', image: 'lab/busybox:1.36', command: ['/bin/true'], env: {}, resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 60 }, site: 'dev', run },
    image: { reference: 'lab/busybox:1.36', pinned: `reg/lab/busybox@${DIGEST}`, digest: DIGEST },
    ...(array ? { array } : {}),
  });
  const RUN = { id: '0b6f3c1e-0000-4000-8000-0000000000aa', stepDir: 'train' };
  const exitPath = (attempt: Attempt) => join(attempt.dir, 'out', 'exit.json');

  it('puts host and start on RUNNING, and on the final state the declared files’ digests (undeclared positions and bad entries left out)', async () => {
    const { attempt, poller, published } = setup([[job('RUNNING')], [job('COMPLETED')]]);
    attempt.command = withRun({ ...RUN, outputs: ['model.npz', 'plots'], inputs: ['/data/pool.csv'] });
    const startedAt = '2026-12-01T23:00:00.000Z';
    writeFileSync(join(attempt.dir, 'out', 'start.json'), recordLine({ startedAt, host: 'node1', slurmJobId: '42' }));
    await poller.tick();
    expect(published.at(-1)).toMatchObject({ state: 'RUNNING', details: { run: { host: 'node1', startTime: startedAt } } });
    const record = {
      startedAt,
      endedAt: '2026-12-01T23:00:05.000Z',
      host: 'node1',
      exitCode: 0,
      slurmJobId: '42',
      outputs: [{ i: 0, sha256: HEX, size: 10, kind: 'file' }, { i: 9, sha256: HEX, size: 1, kind: 'file' }, { i: 1, sha256: 'not-a-hash', size: 1, kind: 'dir' }],
      inputs: [{ i: 0, sha256: HEX, size: 3, kind: 'file' }],
    };
    writeFileSync(exitPath(attempt), recordLine(record));
    await poller.tick();
    expect(published.at(-1)).toEqual({
      state: 'COMPLETED',
      details: {
        exitCode: 0,
        reason: '',
        run: {
          host: 'node1',
          startTime: startedAt,
          endTime: '2026-12-01T23:00:05.000Z',
          outputs: [{ path: 'model.npz', sha256: HEX, size: 10, kind: 'file' }],
          inputs: [{ path: '/data/pool.csv', sha256: HEX, size: 3, kind: 'file' }],
          unhashed: ['plots'],
        },
      },
    });
  });

  it('puts an array job’s inputs (hashed once by element 0) on its final state', async () => {
    const { attempt, poller, published } = setup([[{ ...job('COMPLETED'), jobId: '42_0' }]]);
    attempt.status.elements = 1;
    attempt.command = withRun({ ...RUN, outputs: ['r.json'], inputs: ['/data/a', '/data/b'] }, { items: ['x'], itemsPerElement: 1 });
    writeFileSync(join(attempt.dir, 'out', 'items-0.jsonl'), `${JSON.stringify({ item: 0, exitCode: 0, startedAt: 'a', endedAt: 'b', host: 'h' })}\n`);
    writeFileSync(join(attempt.dir, 'out', 'inputs.json'), recordLine({ inputs: [{ i: 1, sha256: HEX, size: 2, kind: 'dir' }] }));
    await poller.tick();
    expect(published.at(-1)?.details.run).toEqual({ inputs: [{ path: '/data/b', sha256: HEX, size: 2, kind: 'dir' }], unhashed: ['/data/a'] });
  });
});

describe('SlurmPoller learns from the wrappers’ files when to list (a sweep costs listings at its ceiling, not per element)', () => {
  const task = (id: string, state: string): SlurmJobInfo => ({ ...job(state), jobId: id });
  const out = (attempt: Attempt, name: string, content = '') => writeFileSync(join(attempt.dir, 'out', name), content);
  const itemLine = (item: number, exitCode = 0) => `${JSON.stringify({ item, exitCode, startedAt: 'a', endedAt: 'b', host: 'h' })}\n`;
  /** The listing Slurm answers now (changed in place by the test). */
  const live = (): { now: SlurmJobInfo[] } => ({ now: [] });
  const ticksUntil = async (poller: { tick: () => Promise<boolean> }, done: () => boolean, max: number) => {
    for (let t = 1; t <= max; t += 1) {
      await poller.tick();
      if (done()) return t;
    }
    return undefined;
  };

  it('backs off to its ceiling while elements start and end in any order (no state of the attempt changes), whatever the listings show', async () => {
    const elements = 6;
    const state = fc.constantFrom('RUNNING', 'RUNNING', 'PENDING', 'COMPLETING', 'REQUEUED');
    const listing = fc.array(fc.tuple(fc.integer({ min: 0, max: elements - 1 }), state), { minLength: 1, maxLength: elements });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 16 }), fc.array(listing, { minLength: 40, maxLength: 40 }), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), async (max, listings, ends) => {
        const now = live();
        const { attempt, poller } = setup([now.now], { jobUser: 'cairn-job', backoffFactor: max });
        attempt.status.elements = elements;
        attempt.status.published = ['PENDING', 'RUNNING'];
        out(attempt, 'stdout-0');
        const listedAt: number[] = [];
        for (let t = 0; t < 40; t += 1) {
          // Some element ends (never the last of them), another starts: what a sweep writes.
          if (ends[t]) out(attempt, `ended-${t % (elements - 1)}.0`);
          out(attempt, `stdout-${t % elements}`);
          const tasks = (listings[t] ?? []).map(([k, s]) => task(`42_${k}`, s));
          if (!tasks.some((x) => x.state === 'RUNNING')) tasks.push(task('42_0', 'RUNNING'));
          now.now.splice(0, now.now.length, ...tasks);
          if (await poller.tick()) listedAt.push(t);
        }
        const gaps = listedAt.slice(1).map((t, i) => t - (listedAt[i] as number));
        // The pure back-off (the first listing is news): 1, 2, 4, … up to the ceiling, then the ceiling.
        gaps.forEach((gap, i) => expect(gap).toBe(Math.min(2 ** i, max)));
        expect(attempt.status.published).toEqual(['PENDING', 'RUNNING']);
      }),
      { numRuns: 25 },
    );
  });

  it('lists at the tick after every element’s end marker appears, even at its ceiling, and at every tick until Slurm lets the last task go', async () => {
    const now = live();
    const { attempt, poller, published } = setup([now.now], { jobUser: 'cairn-job', backoffFactor: 1000 });
    attempt.status.elements = 2;
    now.now.push(task('42_0', 'RUNNING'), task('42_1', 'RUNNING'));
    for (let t = 0; t < 20; t += 1) await poller.tick();
    expect(poller.factor()).toBeGreaterThanOrEqual(16);
    out(attempt, 'items-0.jsonl', itemLine(0));
    out(attempt, 'items-1.jsonl', itemLine(1));
    out(attempt, 'ended-0.0');
    out(attempt, 'ended-1.0');
    // Slurm still shows the last task for two listings (the wrapper and the container ending).
    now.now.splice(0, 2, task('42_1', 'COMPLETING'));
    expect(await poller.tick()).toBe(true);
    expect(await poller.tick()).toBe(true);
    now.now.splice(0, 1);
    expect(await poller.tick()).toBe(true);
    expect(published.map((p) => p.state)).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
  });

  it('a tick right after the end markers appear spends its listing once Slurm has had endSettleMs to let the last task go', async () => {
    const now = live();
    const { attempt, poller, published, calls } = setup([now.now], { jobUser: 'cairn-job', backoffFactor: 1000, endSettleMs: 400 });
    attempt.status.elements = 2;
    attempt.status.published = ['PENDING', 'RUNNING'];
    now.now.push(task('42_0', 'RUNNING'), task('42_1', 'RUNNING'));
    for (let t = 0; t < 20; t += 1) await poller.tick();
    out(attempt, 'items-0.jsonl', itemLine(0));
    out(attempt, 'items-1.jsonl', itemLine(1));
    out(attempt, 'ended-0.0');
    out(attempt, 'ended-1.0');
    // Slurm lets the tasks go a moment after the markers (the wrappers' shells and slurmd ending).
    const gone = new Promise<void>((resolve) => setTimeout(() => resolve(void now.now.splice(0, 2)), 100));
    const listings = calls();
    expect(await poller.tick()).toBe(true);
    await gone;
    // One listing, made after Slurm let them go: it sees the end.
    expect(calls() - listings).toBe(1);
    expect(published.map((p) => p.state)).toEqual(['COMPLETED']);
  });

  it('a single job: its output file lists at once for RUNNING, its exit record at once for the end, whatever the back-off', async () => {
    const now = live();
    const { attempt, poller, published } = setup([now.now], { jobUser: 'cairn-job', backoffFactor: 1000 });
    now.now.push(job('PENDING'));
    for (let t = 0; t < 20; t += 1) await poller.tick();
    now.now.splice(0, 1, job('RUNNING'));
    out(attempt, 'stdout');
    expect(await poller.tick()).toBe(true);
    expect(published.map((p) => p.state)).toEqual(['PENDING', 'RUNNING']);
    for (let t = 0; t < 20; t += 1) await poller.tick();
    writeRecords(attempt, 0);
    now.now.splice(0, 1);
    expect(await poller.tick()).toBe(true);
    expect(published.map((p) => p.state)).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
  });

  it('a requeued element: its markers do not end the attempt while Slurm lists it again; its new run’s marker lists at once', async () => {
    const now = live();
    const { attempt, poller } = setup([now.now], { jobUser: 'cairn-job', backoffFactor: 1000, settleListings: 3 });
    attempt.status.elements = 2;
    attempt.status.published = ['PENDING', 'RUNNING'];
    out(attempt, 'items-0.jsonl', itemLine(0));
    out(attempt, 'items-1.jsonl', itemLine(1, 143));
    out(attempt, 'ended-0.0');
    out(attempt, 'ended-1.0');
    now.now.push(task('42_1', 'PENDING'));
    const listed: boolean[] = [];
    for (let t = 0; t < 12; t += 1) listed.push(await poller.tick());
    // Three listings for the end signal (the settle budget), then the back-off: 1, 2, 4 … ticks apart.
    expect(listed.slice(0, 3)).toEqual([true, true, true]);
    expect(listed.filter(Boolean).length).toBeLessThan(8);
    expect(attempt.status.published).toEqual(['PENDING', 'RUNNING']);
    out(attempt, 'items-1.jsonl', itemLine(1, 143) + itemLine(1));
    out(attempt, 'ended-1.1');
    now.now.splice(0, 1);
    expect(await poller.tick()).toBe(true);
    expect(attempt.status.published).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
  });

  it('an element killed with its node (no marker) is still caught: the back-off ceiling lists, and the attempt fails naming the items that did not run', async () => {
    const now = live();
    const max = 8;
    const { attempt, poller, published } = setup([now.now], { jobUser: 'cairn-job', backoffFactor: max });
    attempt.status.elements = 2;
    attempt.command = { spec: {}, array: { items: ['a', 'b'], itemsPerElement: 1 } } as unknown as SubmitAttemptCommand;
    attempt.status.published = ['PENDING', 'RUNNING'];
    now.now.push(task('42_1', 'RUNNING'));
    for (let t = 0; t < 30; t += 1) await poller.tick();
    out(attempt, 'items-0.jsonl', itemLine(0));
    out(attempt, 'ended-0.0');
    now.now.splice(0, 1);
    // At most the ceiling's ticks, then MISSING_LIMIT listings at every tick (the missing count changes).
    const ticks = await ticksUntil(poller, () => attempt.status.final, max + 10);
    expect(ticks).toBeDefined();
    expect(published.at(-1)).toEqual({ state: 'FAILED', details: { reason: '1 item did not run' } });
  });

  it('a job that forges every end marker while it runs costs at most the settle budget of listings, and stays RUNNING', async () => {
    const now = live();
    const { attempt, poller } = setup([now.now], { jobUser: 'cairn-job', backoffFactor: 1000, settleListings: 5 });
    attempt.status.elements = 3;
    attempt.status.published = ['PENDING', 'RUNNING'];
    now.now.push(task('42_0', 'RUNNING'));
    for (let t = 0; t < 30; t += 1) await poller.tick();
    let listed = 0;
    for (const name of ['ended-0.0', 'ended-1.0', 'ended-2.0']) out(attempt, name);
    for (let t = 0; t < 30; t += 1) if (await poller.tick()) listed += 1;
    // The settle budget, plus the back-off's own listings once it is spent (1, 2, 4, … ticks apart).
    expect(listed).toBeLessThanOrEqual(5 + 5);
    expect(attempt.status.published).toEqual(['PENDING', 'RUNNING']);
  });
});

describe('SlurmPoller.glance', () => {
  it('sees a followed job’s end in its files between ticks, answers no while a tick runs, and keeps when it last listed', async () => {
    const store = new AttemptStore(mkdtempSync(join(tmpdir(), 'poller-glance-')));
    const attempt: Attempt = { id: ATTEMPT, dir: store.dirOf(ATTEMPT), command: undefined, status: attemptStatusSchema.parse({ slurmJobId: '42', published: ['PENDING', 'RUNNING'] }) };
    mkdirSync(join(attempt.dir, 'out'), { recursive: true });
    let release: () => void = () => undefined;
    let listingStarted: () => void = () => undefined;
    const listing = new Promise<void>((resolve) => (release = resolve));
    const started = new Promise<void>((resolve) => (listingStarted = resolve));
    const slurm = strictMock<SlurmRepository>({
      listJobs: async () => {
        listingStarted();
        await listing;
        return [job('RUNNING')];
      },
    });
    const events = strictMock<AttemptEvents>({ publish: async () => undefined });
    const slurmPoller = new SlurmPoller(store, slurm, events, createLogger('test', 'silent'), { jobUser: 'cairn-job' });
    const poller = { tick: (a: Attempt[]) => slurmPoller.tick(a), lastListedAt: () => slurmPoller.lastListedAt(), glance: async (a: Attempt[]) => (await slurmPoller.glance(a)) !== undefined };
    expect(poller.lastListedAt()).toBe(0);
    expect(await poller.glance([attempt])).toBe(false);
    const before = Date.now();
    const ticking = poller.tick([attempt]);
    await started;
    // The job ends while the tick is listing: a glance leaves the files to the tick.
    writeFileSync(join(attempt.dir, 'out', 'exit.json'), '{}');
    expect(await poller.glance([attempt])).toBe(false);
    release();
    expect(await ticking).toBe(true);
    expect(poller.lastListedAt()).toBeGreaterThanOrEqual(before);
    // Between ticks, the end is news once.
    expect([await poller.glance([attempt]), await poller.glance([attempt])]).toEqual([true, false]);
    // A job not submitted yet, or final, is not glanced at; a followed one's new end is, once.
    const other: Attempt = { id: '3f1c2b4a-0000-4000-8000-000000000003', dir: store.dirOf('3f1c2b4a-0000-4000-8000-000000000003'), command: undefined, status: attemptStatusSchema.parse({ published: ['PENDING'] }) };
    mkdirSync(join(other.dir, 'out'), { recursive: true });
    writeFileSync(join(other.dir, 'out', 'exit.json'), '{}');
    expect(await poller.glance([other])).toBe(false);
    other.status.slurmJobId = '43';
    expect([await poller.glance([other]), await poller.glance([other])]).toEqual([true, false]);
  });
});
