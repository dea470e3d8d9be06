import { encodeJson } from '@cairn/adapters/nats';
import { wakesEngine } from './engine-wake';

describe('wakesEngine', () => {
  const event = (state: string) => encodeJson({ jobId: '6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5', sequence: 1, state, exitCode: null, slurmJobId: '', reason: '', time: '2026-12-02T05:00:00.000Z' });

  it("wakes the engine for every job change but ACCEPTED (a submission, its own or a plain job's)", () => {
    expect(wakesEngine(event('ACCEPTED'))).toBe(false);
    for (const state of ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT']) expect([state, wakesEngine(event(state))]).toEqual([state, true]);
  });

  it('wakes it for a message it cannot read', () => {
    expect(wakesEngine(new TextEncoder().encode('not json'))).toBe(true);
    expect(wakesEngine(encodeJson(null))).toBe(true);
    expect(wakesEngine(encodeJson([1]))).toBe(true);
  });
});
