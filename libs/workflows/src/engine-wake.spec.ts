import fc from 'fast-check';
import { encodeJson } from '@cairn/adapters/nats';
import { JOB_STATES } from '@cairn/contracts';
import { engineHint } from './engine-wake';

describe('engineHint', () => {
  const event = (state: string, extra: Record<string, unknown> = {}) => ({
    jobId: '6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5',
    sequence: 3,
    state,
    exitCode: state === 'COMPLETED' ? 0 : null,
    slurmJobId: '42',
    reason: '',
    time: '2026-12-02T05:00:00.000Z',
    ...extra,
  });

  it("wakes the engine for every job change but ACCEPTED (a submission, its own or a plain job's); a final event comes with the event", () => {
    expect(engineHint(encodeJson(event('ACCEPTED')))).toBeUndefined();
    for (const state of ['PENDING', 'RUNNING']) expect([state, engineHint(encodeJson(event(state)))]).toEqual([state, {}]);
    for (const state of ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT']) expect([state, engineHint(encodeJson(event(state)))]).toEqual([state, { ended: event(state) }]);
  });

  it('wakes it without an event for a message it cannot read, or a final event that is not a valid job event', () => {
    expect(engineHint(new TextEncoder().encode('not json'))).toEqual({});
    expect(engineHint(encodeJson(null))).toEqual({});
    expect(engineHint(encodeJson([1]))).toEqual({});
    expect(engineHint(encodeJson(event('COMPLETED', { jobId: 'not-a-uuid' })))).toEqual({});
    expect(engineHint(encodeJson(event('COMPLETED', { extra: true })))).toEqual({});
    expect(engineHint(encodeJson(event('DONE')))).toEqual({});
  });

  it('never throws; sleeps only on ACCEPTED; hands over only valid final events (property: any bytes, any JSON, any event)', () => {
    const anyEvent = fc.record({ state: fc.oneof(fc.constantFrom(...JOB_STATES), fc.string()), jobId: fc.oneof(fc.uuid(), fc.string()), sequence: fc.oneof(fc.integer(), fc.constant(1)) });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.jsonValue().map((v) => encodeJson(v)), anyEvent.map((e) => encodeJson(event(e.state, { jobId: e.jobId, sequence: e.sequence })))), (data) => {
        const hint = engineHint(data);
        let parsed: unknown;
        try {
          parsed = JSON.parse(new TextDecoder().decode(data));
        } catch {
          parsed = undefined;
        }
        const state = typeof parsed === 'object' && parsed !== null && 'state' in parsed ? parsed.state : undefined;
        if (state === 'ACCEPTED') expect(hint).toBeUndefined();
        else expect(hint).toBeDefined();
        if (hint?.ended) {
          expect(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT']).toContain(hint.ended.state);
          expect(hint.ended).toEqual(parsed);
        }
      }),
      { numRuns: 500 },
    );
  });
});
