import type { Logger } from '@cairn/logging';
import { strictMock } from '@cairn/testing';
import { PeriodicLoop } from './periodic-loop';

const INTERVAL_MS = 1_000;

/** A tick the test finishes by hand, counting how many run and how many ran at once. */
function controlledTick() {
  const pending: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  let running = 0;
  let mostAtOnce = 0;
  let started = 0;
  const tick = () =>
    new Promise<void>((resolve, reject) => {
      started += 1;
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      const done = () => (running -= 1);
      pending.push({ resolve: () => (done(), resolve()), reject: (error) => (done(), reject(error)) });
    });
  return {
    tick,
    started: () => started,
    mostAtOnce: () => mostAtOnce,
    finish: async () => {
      pending.shift()?.resolve();
      await jest.advanceTimersByTimeAsync(0);
    },
    fail: async (error: Error) => {
      pending.shift()?.reject(error);
      await jest.advanceTimersByTimeAsync(0);
    },
  };
}

describe('PeriodicLoop', () => {
  let logger: Logger;
  let errors: unknown[][];

  beforeEach(() => {
    jest.useFakeTimers();
    errors = [];
    logger = strictMock<Logger>({ error: (...args: unknown[]) => void errors.push(args) }, 'logger');
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('ticks at start, then once per interval after the previous tick ends', async () => {
    const t = controlledTick();
    const loop = new PeriodicLoop('test-loop', INTERVAL_MS, t.tick, logger);
    loop.start();
    expect(t.started()).toBe(1);
    await t.finish();

    await jest.advanceTimersByTimeAsync(INTERVAL_MS - 1);
    expect(t.started()).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(t.started()).toBe(2);
    await t.finish();
    await loop.stop();
  });

  it('does nothing when woken before start', async () => {
    const t = controlledTick();
    const loop = new PeriodicLoop('test-loop', INTERVAL_MS, t.tick, logger);
    loop.wake();
    await jest.advanceTimersByTimeAsync(INTERVAL_MS * 3);
    expect(t.started()).toBe(0);
  });

  it('a wake while idle ticks at once and restarts the interval from that tick', async () => {
    const t = controlledTick();
    const loop = new PeriodicLoop('test-loop', INTERVAL_MS, t.tick, logger);
    loop.start();
    await t.finish();
    await jest.advanceTimersByTimeAsync(INTERVAL_MS / 2);

    loop.wake();
    expect(t.started()).toBe(2);
    await t.finish();
    await jest.advanceTimersByTimeAsync(INTERVAL_MS - 1);
    expect(t.started()).toBe(2); // the timer of the first tick was cleared
    await jest.advanceTimersByTimeAsync(1);
    expect(t.started()).toBe(3);
    await t.finish();
    await loop.stop();
  });

  it('never runs two ticks at once: wakes during a tick fold into one more tick right after it', async () => {
    const t = controlledTick();
    const loop = new PeriodicLoop('test-loop', INTERVAL_MS, t.tick, logger);
    loop.start();
    for (let i = 0; i < 100; i++) loop.wake();
    expect(t.started()).toBe(1);

    await t.finish();
    expect(t.started()).toBe(2); // one follow-up, without waiting for the interval
    await t.finish();
    await jest.advanceTimersByTimeAsync(INTERVAL_MS - 1);
    expect(t.started()).toBe(2);
    expect(t.mostAtOnce()).toBe(1);
    await loop.stop();
  });

  it('logs a failing tick with the loop name and goes on at the next interval', async () => {
    const t = controlledTick();
    const loop = new PeriodicLoop('test-loop', INTERVAL_MS, t.tick, logger);
    loop.start();
    const failure = new Error('tick broke');
    await t.fail(failure);
    expect(errors).toEqual([[{ err: failure, loop: 'test-loop' }, 'test-loop failed']]);

    await jest.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(t.started()).toBe(2);
    await t.finish();
    await loop.stop();
  });

  it('stop waits for the running tick, and nothing ticks after it', async () => {
    const t = controlledTick();
    const loop = new PeriodicLoop('test-loop', INTERVAL_MS, t.tick, logger);
    loop.start();
    loop.wake(); // asks for a follow-up that stop must cancel
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);

    await t.finish();
    await stopping;
    expect(stopped).toBe(true);
    loop.wake();
    await jest.advanceTimersByTimeAsync(INTERVAL_MS * 3);
    expect(t.started()).toBe(1);
  });

  it('can start again after a stop', async () => {
    const t = controlledTick();
    const loop = new PeriodicLoop('test-loop', INTERVAL_MS, t.tick, logger);
    loop.start();
    await t.finish();
    await loop.stop();
    loop.start();
    expect(t.started()).toBe(2);
    await t.finish();
    await loop.stop();
  });
});
