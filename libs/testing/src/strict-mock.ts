/**
 * A stand-in for a class whose every member the test must provide: touching anything else
 * throws, so a unit test fails on a call it did not expect (as in Immich's test utils).
 */
export function strictMock<T extends object>(members: Partial<T>, name = 'mock'): T {
  return new Proxy(members as T, {
    get(target, property, receiver) {
      if (property in target || typeof property === 'symbol' || property === 'then') {
        return Reflect.get(target, property, receiver) as unknown;
      }
      throw new Error(`${name}.${String(property)} was called but the test did not set it up`);
    },
  });
}
