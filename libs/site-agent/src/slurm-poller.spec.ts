import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobState, SubmitAttemptCommand } from '@cairn/contracts';
import type { SlurmJobInfo, SlurmRepository } from '@cairn/adapters/slurm';
import { createLogger } from '@cairn/logging';
import { strictMock } from '@cairn/testing';
import type { AttemptEvents, EventDetails } from './attempt-events';
import { type Attempt, AttemptStore, attemptStatusSchema } from './attempt-store';
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
  mkdirSync(attempt.dir, { recursive: true });
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
  comment: `cairn-${ATTEMPT}`,
});

function writeRecords(attempt: Attempt, exitCode?: number): void {
  writeFileSync(join(attempt.dir, 'start.json'), JSON.stringify({ startedAt: 'x', host: 'node1', slurmJobId: '42' }));
  if (exitCode !== undefined) {
    writeFileSync(
      join(attempt.dir, 'exit.json'),
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

describe('SlurmPoller with an array attempt', () => {
  const task = (id: string, state: string): SlurmJobInfo => ({ ...job(state), jobId: id });
  const records = (attempt: Attempt, element: number, exits: [number, number][]) =>
    writeFileSync(
      join(attempt.dir, `items-${element}.jsonl`),
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
    attempt.command = { array: { items: ['a', 'b', 'c'], itemsPerElement: 2 } } as unknown as SubmitAttemptCommand;
    records(attempt, 0, [[0, 0], [1, 3]]);
    await poller.tick();
    expect(published.at(-1)).toEqual({ state: 'FAILED', details: { reason: '1 of 3 items failed (1); 1 item did not run' } });
  });

  it('names items by their index in the workflow step when the attempt gives indices', async () => {
    const { attempt, poller, published } = setup([[task('42_0', 'FAILED'), task('42_1', 'CANCELLED')]]);
    attempt.status.elements = 2;
    attempt.command = { array: { items: ['a', 'b', 'c'], itemsPerElement: 2, indices: [3, 17, 40] } } as unknown as SubmitAttemptCommand;
    // A record under a position (1) rather than an index is not one of this attempt's items.
    records(attempt, 0, [[3, 0], [17, 2], [1, 0]]);
    await poller.tick();
    expect(published.at(-1)).toEqual({ state: 'FAILED', details: { reason: '1 of 3 items failed (17); 1 item did not run' } });
  });

  it('completes an attempt with indices once every index has a record with exit code 0', async () => {
    const { attempt, poller, published } = setup([[task('42_0', 'COMPLETED'), task('42_1', 'COMPLETED')]]);
    attempt.status.elements = 2;
    attempt.command = { array: { items: ['a', 'b', 'c'], itemsPerElement: 2, indices: [3, 17, 40] } } as unknown as SubmitAttemptCommand;
    records(attempt, 0, [[3, 0], [17, 0]]);
    records(attempt, 1, [[40, 0]]);
    await poller.tick();
    expect(published.map((p) => p.state)).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
    expect(published.at(-1)?.details).toEqual({ exitCode: 0, reason: '3 items completed' });
  });
});
