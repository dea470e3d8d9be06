import type { AdapterPayload } from 'oidc-provider';
import { MAX_ENTRIES, MemoryStore } from './memory-store';

describe('MemoryStore', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('keeps entries for their lifetime and forgets them after', () => {
    const store = new MemoryStore(clock);
    store.set('a', 1, 10);
    store.set('b', 2);
    now += 9_999;
    expect([store.get('a'), store.get('b')]).toEqual([1, 2]);
    now += 1;
    expect([store.get('a'), store.get('b')]).toEqual([undefined, 2]);
  });

  it('past its bound drops expired entries first, then the oldest down to nine tenths of it', () => {
    const store = new MemoryStore(clock, 10);
    store.set('expiring', 0, 1);
    for (let i = 0; i < 9; i += 1) store.set(`k${i}`, i);
    now += 2_000;
    store.set('k9', 9);
    // 11 entries: the expired one goes, then the oldest until 9 remain.
    expect(store.size).toBe(9);
    expect([store.get('expiring'), store.get('k0'), store.get('k1'), store.get('k9')]).toEqual([undefined, undefined, 1, 9]);
    store.set('k10', 10);
    expect(store.size).toBe(10);
    store.set('k11', 11);
    expect(store.size).toBe(9);
    expect([store.get('k1'), store.get('k2'), store.get('k3'), store.get('k11')]).toEqual([undefined, undefined, 3, 11]);
  });

  it('holds MAX_ENTRIES at most, however many are written', () => {
    const store = new MemoryStore(clock);
    for (let i = 0; i < MAX_ENTRIES + 5_000; i += 1) store.set(`k${i}`, i);
    expect(store.size).toBeLessThanOrEqual(MAX_ENTRIES);
    expect(store.get(`k${MAX_ENTRIES + 4_999}`)).toBe(MAX_ENTRIES + 4_999);
  });

  it('serves oidc-provider\'s models: find by id, user code and session uid; consume; revoke a whole grant', async () => {
    const store = new MemoryStore(clock);
    const adapter = store.adapter();
    const tokens = adapter('RefreshToken');
    const codes = adapter('DeviceCode');
    const sessions = adapter('Session');
    const grants = adapter('Grant');
    const payload = (extra: Partial<AdapterPayload>): AdapterPayload => ({ ...extra });

    await tokens.upsert('rt1', payload({ grantId: 'g1', jti: 'rt1' }), 60);
    await tokens.upsert('rt2', payload({ grantId: 'g2', jti: 'rt2' }), 60);
    await codes.upsert('dc1', payload({ grantId: 'g1', userCode: 'BCDFGHJK' }), 60);
    await sessions.upsert('s1', payload({ uid: 'u1' }), 60);
    await grants.upsert('g1', payload({ accountId: 'alice' }));

    expect(await codes.findByUserCode('BCDFGHJK')).toMatchObject({ grantId: 'g1' });
    expect(await sessions.findByUid('u1')).toMatchObject({ uid: 'u1' });
    expect(await codes.findByUserCode('NOPE')).toBeUndefined();
    await tokens.consume('rt1');
    expect((await tokens.find('rt1'))?.consumed).toEqual(expect.any(Number));

    await tokens.revokeByGrantId('g1');
    expect(await tokens.find('rt1')).toBeUndefined();
    expect(await codes.find('dc1')).toBeUndefined();
    expect(await tokens.find('rt2')).toMatchObject({ jti: 'rt2' });
    await tokens.destroy('rt2');
    expect(await tokens.find('rt2')).toBeUndefined();
    // Two adapters (two providers) over one store see the same state.
    expect(await store.adapter()('Grant').find('g1')).toMatchObject({ accountId: 'alice' });
  });
});
