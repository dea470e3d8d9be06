import fc from 'fast-check';
import { CairnError } from '@cairn/contracts';
import { decodeJson } from './envelope';
import { DEFAULT_MAX_PAYLOAD, encodeBounded, encodeReply, maxPayloadOf } from './payload-limit';

describe('payload limits', () => {
  it("reads the server's max_payload, or NATS's default before the server said", () => {
    expect(maxPayloadOf({ info: undefined })).toBe(DEFAULT_MAX_PAYLOAD);
    expect(maxPayloadOf({ info: { max_payload: 4096 } as never })).toBe(4096);
  });

  it('encodes a body up to the limit and refuses one byte more with RESOURCE_EXHAUSTED naming both sizes', () => {
    const body = { t: 'x'.repeat(100 - 8) }; // {"t":"..."} = 100 bytes
    expect(encodeBounded(body, 100, 'it')).toHaveLength(100);
    expect(() => encodeBounded(body, 99, 'the request on a.b')).toThrow(
      new CairnError('RESOURCE_EXHAUSTED', 'the request on a.b is 100 bytes; the NATS server accepts at most 99 bytes per message (ask for less, or page)'),
    );
  });

  it('turns any reply over the limit into a RESOURCE_EXHAUSTED envelope that fits', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), fc.integer({ min: 300, max: 2000 }), (text, max) => {
        const { data, oversized } = encodeReply({ ok: true, data: text }, max, 'cairn.scheduler.jobs.list');
        expect(data.length).toBeLessThanOrEqual(max);
        const reply = decodeJson(data) as { ok: boolean; data?: string; error?: { code: string } };
        if (oversized) expect(reply.error?.code).toBe('RESOURCE_EXHAUSTED');
        else expect(reply.data).toBe(text);
      }),
      { numRuns: 200 },
    );
  });
});
