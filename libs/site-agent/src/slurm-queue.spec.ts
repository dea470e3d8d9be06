import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifySlurmState, type SlurmJobInfo, type SlurmRepository } from '@cairn/adapters/slurm';
import { createLogger } from '@cairn/logging';
import { strictMock } from '@cairn/testing';
import fc from 'fast-check';
import type { AttemptEvents } from './attempt-events';
import { type Attempt, AttemptStore, attemptStatusSchema } from './attempt-store';
import { countQueue, SlurmPoller } from './slurm-poller';

const info = (jobId: string, state: string): SlurmJobInfo => ({ jobId, name: 'cairn-x', state, reason: 'None', nodes: '', user: 'cairn-job', comment: '' });

describe('countQueue (the queue a site status reports)', () => {
  it('counts an attempt running when any of its tasks runs, else pending when any is pending; ended and unknown states not at all', () => {
    expect(
      countQueue([
        [info('1', 'PENDING')],
        [info('2', 'RUNNING')],
        [info('3_[2-9]', 'PENDING'), info('3_0', 'RUNNING'), info('3_1', 'COMPLETED')],
        [info('4_[0-9]', 'PENDING')],
        [info('5', 'COMPLETED')],
        [info('6', 'WHATEVER')],
        [],
      ]),
    ).toEqual({ pending: 2, running: 2 });
  });

  it('counts each attempt at most once, whatever its squeue lines', () => {
    const state = fc.constantFrom('PENDING', 'RUNNING', 'COMPLETING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'SUSPENDED', 'X');
    fc.assert(
      fc.property(fc.array(fc.array(state.map((s) => info('1', s)), { maxLength: 6 }), { maxLength: 30 }), (attempts) => {
        const queue = countQueue(attempts);
        expect(queue.pending + queue.running).toBeLessThanOrEqual(attempts.length);
        expect(queue.running).toBe(attempts.filter((lines) => lines.some((l) => classifySlurmState(l.state) === 'RUNNING')).length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('SlurmPoller.lastQueue', () => {
  const ID = '3f1c2b4a-0000-4000-8000-00000000000a';

  it('is the last tick’s count of the attempts it follows, and zero once none is left, without an squeue then', async () => {
    const store = new AttemptStore(mkdtempSync(join(tmpdir(), 'queue-')));
    const attempt: Attempt = { id: ID, dir: store.dirOf(ID), command: undefined, status: attemptStatusSchema.parse({ slurmJobId: '42' }) };
    let squeues = 0;
    const slurm = strictMock<SlurmRepository>({
      listJobs: async () => {
        squeues += 1;
        // Another cluster user's job and another agent's are not this agent's to count.
        return [{ ...info('42', 'RUNNING'), name: `cairn-${ID}` }, info('7', 'PENDING'), { ...info('8', 'PENDING'), name: 'someone-else' }];
      },
    });
    const events = strictMock<AttemptEvents>({ publish: async () => undefined });
    const poller = new SlurmPoller(store, slurm, events, createLogger('test', 'silent'));
    expect(poller.lastQueue()).toEqual({ pending: 0, running: 0 });
    await poller.tick([attempt]);
    expect(poller.lastQueue()).toEqual({ pending: 0, running: 1 });
    attempt.status.final = true;
    await poller.tick([attempt]);
    expect([poller.lastQueue(), squeues]).toEqual([{ pending: 0, running: 0 }, 1]);
  });
});
