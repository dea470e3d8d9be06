import { CairnError, MAX_RUNS_INFO, subjects } from '@cairn/contracts';
import type { NatsRequester } from '@cairn/adapters/nats';
import { strictMock } from '@cairn/testing';
import { ALICE, runIdOf, runOf } from './images-spec-kit';
import { MATERIALIZE_TIMEOUT_MS, NatsSiteAgents } from './site-agents';

describe('NatsSiteAgents', () => {
  it('no answer from an agent (no responder, timeout) is UNAVAILABLE naming the site; its refusals pass as they are', async () => {
    let failure: CairnError = new CairnError('DEADLINE_EXCEEDED', 'no reply on x within 10000 ms');
    const agents = new NatsSiteAgents(strictMock<NatsRequester>({ request: async () => Promise.reject(failure) }, 'requester'));
    await expect(agents.list('hpc1')).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'the agent of site hpc1 did not list its images: no reply on x within 10000 ms' });
    failure = new CairnError('FAILED_PRECONDITION', 'an attempt runs it');
    await expect(agents.evict('hpc1', `sha256:${'a'.repeat(64)}`)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: 'an attempt runs it' });
  });

  it('a waited materialisation may take 30 minutes, a started one 10 s', async () => {
    const timeouts: number[] = [];
    const agents = new NatsSiteAgents(
      strictMock<NatsRequester>({
        request: async (_subject: string, _payload: unknown, reply: { parse(v: unknown): unknown }, timeoutMs?: number) => {
          timeouts.push(timeoutMs ?? 0);
          return reply.parse({ state: 'converting' });
        },
      } as Partial<NatsRequester>, 'requester'),
    );
    const command = { pinned: `r/x@sha256:${'a'.repeat(64)}`, digest: `sha256:${'a'.repeat(64)}` };
    await agents.materialize('hpc1', { ...command, wait: true });
    await agents.materialize('hpc1', { ...command, wait: false });
    expect(timeouts).toEqual([MATERIALIZE_TIMEOUT_MS, 10_000]);
  });

  it(`asks the scheduler about at most ${MAX_RUNS_INFO} runs at a time`, async () => {
    const asked: number[] = [];
    const agents = new NatsSiteAgents(
      strictMock<NatsRequester>({
        request: async (subject: string, payload: unknown, reply: { parse(v: unknown): unknown }) => {
          expect(subject).toBe(subjects.scheduler.runsInfo);
          const { runIds } = payload as { runIds: string[] };
          asked.push(runIds.length);
          return reply.parse({ runs: runIds.slice(0, 1).map((runId) => ({ ...runOf(0, ALICE, true), runId })) });
        },
      } as Partial<NatsRequester>, 'requester'),
    );
    const runs = await agents.runsInfo(Array.from({ length: 2 * MAX_RUNS_INFO + 1 }, (_, i) => runIdOf(i + 1)));
    expect([asked, runs.length]).toEqual([[MAX_RUNS_INFO, MAX_RUNS_INFO, 1], 3]);
  });
});
