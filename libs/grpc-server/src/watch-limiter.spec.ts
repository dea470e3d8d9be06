import { Metadata } from '@grpc/grpc-js';
import fc from 'fast-check';
import { CairnError } from '@cairn/contracts';
import { peerHost, personKey, WatchLimiter } from './watch-limiter';

const caller = (peer: string) => ({ getPeer: () => peer, metadata: new Metadata() });

describe('peerHost', () => {
  it.each([
    ['127.0.0.1:50123', '127.0.0.1'],
    ['::1:50123', '::1'],
    ['::ffff:10.0.0.2:443', '::ffff:10.0.0.2'],
    ['[2001:db8::7]:1', '[2001:db8::7]'],
    ['ipv4:127.0.0.1:50123', 'ipv4:127.0.0.1'],
    ['ipv6:[::1]:50123', 'ipv6:[::1]'],
    ['unknown', 'unknown'],
    ['unix:/run/cairn.sock', 'unix:/run/cairn.sock'],
    ['', ''],
  ])('%s is client %s', (peer, host) => expect(peerHost(peer)).toBe(host));
});

describe('WatchLimiter', () => {
  it('refuses the stream over a client\'s cap with RESOURCE_EXHAUSTED; other clients still get theirs', () => {
    const limiter = new WatchLimiter({ perClient: 2, total: 10 });
    const a = caller('10.0.0.1:1000');
    limiter.acquire(caller('10.0.0.1:1001'));
    const second = limiter.acquire(a);
    expect(() => limiter.acquire(caller('10.0.0.1:1002'))).toThrow(new CairnError('RESOURCE_EXHAUSTED', 'too many watch streams from this client: 2 open, at most 2; close one first'));
    limiter.acquire(caller('10.0.0.2:1000'));
    second();
    second();
    expect(limiter.count('10.0.0.1')).toBe(1);
    expect(() => limiter.acquire(a)).not.toThrow();
  });

  it('keys clients by the function it is given (later: the user)', () => {
    const limiter = new WatchLimiter({ perClient: 1, total: 10 }, (call) => String(call.metadata.get('user')[0] ?? 'anonymous'));
    const as = (user: string) => {
      const metadata = new Metadata();
      metadata.set('user', user);
      return { getPeer: () => 'ipv4:127.0.0.1:1', metadata };
    };
    limiter.acquire(as('alice'));
    limiter.acquire(as('bob'));
    expect(() => limiter.acquire(as('alice'))).toThrow(/too many watch streams from this client/);
  });

  it('never holds more than either cap, refuses exactly when one is reached, and frees every slot (property)', () => {
    const op = fc.oneof(fc.record({ open: fc.integer({ min: 0, max: 4 }) }), fc.record({ close: fc.nat() }));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 12 }), fc.array(op, { maxLength: 200 }), (perClient, total, ops) => {
        const limiter = new WatchLimiter({ perClient, total });
        const held: { key: string; release: () => void }[] = [];
        for (const o of ops) {
          if ('open' in o) {
            const key = `10.0.0.${o.open}`;
            const mine = held.filter((h) => h.key === key).length;
            const full = mine >= perClient || held.length >= total;
            try {
              held.push({ key, release: limiter.acquire(caller(`${key}:4000`)) });
              expect(full).toBe(false);
            } catch (error) {
              expect(full).toBe(true);
              expect(error).toBeInstanceOf(CairnError);
              expect((error as CairnError).code).toBe('RESOURCE_EXHAUSTED');
            }
          } else if (held.length > 0) {
            const [gone] = held.splice(o.close % held.length, 1);
            gone?.release();
            gone?.release();
          }
          expect(limiter.count()).toBe(held.length);
          expect(limiter.count()).toBeLessThanOrEqual(total);
        }
        for (const h of held) h.release();
        expect(limiter.count()).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('counts an authenticated caller as a person (issuer and subject), whatever peer they come from', () => {
    const limiter = new WatchLimiter({ perClient: 1, total: 10 });
    // Every portal user comes from the same peer (the gateway's portal server, a unix socket).
    const portal = caller('unix:/var/lib/cairn/portal/grpc.sock');
    const alice = { issuer: 'https://idp.example', subject: 'a-1' };
    limiter.acquire(portal, alice);
    limiter.acquire(portal, { issuer: 'https://idp.example', subject: 'b-2' });
    limiter.acquire(portal, { issuer: 'https://other.example', subject: 'a-1' });
    expect(() => limiter.acquire(caller('10.0.0.9:1'), alice)).toThrow(/too many watch streams from this client: 1 open/);
    expect(limiter.count(personKey(alice))).toBe(1);
    expect(limiter.count('unix:/var/lib/cairn/portal/grpc.sock')).toBe(0);
  });

  it('never mistakes two people for one, or a person for a peer (property)', () => {
    const part = fc.string({ maxLength: 6 });
    fc.assert(
      fc.property(part, part, part, part, (i1, s1, i2, s2) => {
        const same = i1 === i2 && s1 === s2;
        expect(personKey({ issuer: i1, subject: s1 }) === personKey({ issuer: i2, subject: s2 })).toBe(same);
        expect(personKey({ issuer: i1, subject: s1 })).not.toBe(`${i1}${s1}`);
      }),
      { numRuns: 300 },
    );
  });
});
