import { RateLimiter } from './rate-limiter';

describe('RateLimiter (a token bucket per person, on a given clock)', () => {
  it('allows a burst, then refuses with RESOURCE_EXHAUSTED and a clear message, then refills at the rate', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 2, burst: 3 }, () => now);
    for (let i = 0; i < 3; i += 1) limiter.take('alice');
    expect(() => limiter.take('alice')).toThrow(expect.objectContaining({ code: 'RESOURCE_EXHAUSTED', message: expect.stringMatching(/at most 2 per second \(bursts of 3\) per person/) }));
    // Others are not affected.
    limiter.take('bob');
    now += 500;
    limiter.take('alice');
    expect(() => limiter.take('alice')).toThrow(expect.objectContaining({ code: 'RESOURCE_EXHAUSTED' }));
    // A long quiet spell refills up to the burst, never beyond.
    now += 3_600_000;
    for (let i = 0; i < 3; i += 1) limiter.take('alice');
    expect(() => limiter.take('alice')).toThrow(expect.objectContaining({ code: 'RESOURCE_EXHAUSTED' }));
  });

  it('refused requests neither earn nor cost credit: the next request is allowed after 1/rate seconds, however much the client hammered', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 1, burst: 1 }, () => now);
    limiter.take('alice');
    for (let i = 0; i < 99; i += 1) {
      now += 10;
      expect(() => limiter.take('alice')).toThrow(expect.objectContaining({ code: 'RESOURCE_EXHAUSTED' }));
    }
    now += 10;
    limiter.take('alice');
    expect(() => limiter.take('alice')).toThrow(expect.objectContaining({ code: 'RESOURCE_EXHAUSTED' }));
  });
});
