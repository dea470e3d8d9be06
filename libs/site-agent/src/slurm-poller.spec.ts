import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobState, SubmitAttemptCommand } from '@cairn/contracts';
import type { SlurmJobInfo, SlurmRepository } from '@cairn/adapters/slurm';
import { createLogger } from '@cairn/logging';
import { strictMock } from '@cairn/testing';
import fc from 'fast-check';
import type { AttemptEvents, EventDetails } from './attempt-events';
import { type Attempt, AttemptStore, attemptStatusSchema } from './attempt-store';
import { EXIT_RECORD_MAX_BYTES } from './exit-record';
import { SlurmPoller } from './slurm-poller';

const ATTEMPT = '3f1c2b4a-0000-4000-8000-000000000001';

function setup(squeue: SlurmJobInfo[][]) {
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
  const slurm = strictMock<SlurmRepository>({ listJobs: async () => squeue[Math.min(call++, squeue.length - 1)] ?? [] });
  const poller = new SlurmPoller(store, slurm, events, createLogger('test', 'silent'));
  return { attempt, poller: { tick: () => poller.tick([attempt]) }, published, calls: () => call };
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

function writeRecords(attempt: Attempt, exitCode?: number): void {
  writeFileSync(join(attempt.dir, 'out', 'start.json'), JSON.stringify({ startedAt: 'x', host: 'node1', slurmJobId: '42' }));
  if (exitCode !== undefined) {
    writeFileSync(
      join(attempt.dir, 'out', 'exit.json'),
      JSON.stringify({ startedAt: 'x', endedAt: 'y', host: 'node1', exitCode, slurmJobId: '42' }),
    );
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
    writeFileSync(exitPath(attempt), content());
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
    writeFileSync(join(attempt.dir, 'out', 'start.json'), JSON.stringify({ startedAt, host: 'node1', slurmJobId: '42' }));
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
    writeFileSync(exitPath(attempt), JSON.stringify(record));
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
    writeFileSync(join(attempt.dir, 'out', 'inputs.json'), JSON.stringify({ inputs: [{ i: 1, sha256: HEX, size: 2, kind: 'dir' }] }));
    await poller.tick();
    expect(published.at(-1)?.details.run).toEqual({ inputs: [{ path: '/data/b', sha256: HEX, size: 2, kind: 'dir' }], unhashed: ['/data/a'] });
  });
});
