import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SlurmRepository } from '@cairn/adapters/slurm';
import type { SubmitAttemptCommand } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { strictMock } from '@cairn/testing';
import fc from 'fast-check';
import { type Attempt, AttemptStore } from './attempt-store';
import type { AttemptSubmitter } from './attempt-submitter';
import { SiteAgent } from './site-agent.service';
import type { SlurmPoller } from './slurm-poller';

const DIGEST = `sha256:${'b'.repeat(64)}`;
const command = (attemptId: string): SubmitAttemptCommand => ({
  attemptId,
  jobId: '9f1c2b4a-0000-4000-8000-000000000009',
  spec: { name: 'j', image: 'lab/busybox:1.36', command: ['/bin/true'], env: {}, resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 60 }, site: 'dev' },
  image: { reference: 'lab/busybox:1.36', pinned: `reg/lab/busybox@${DIGEST}`, digest: DIGEST },
});

/** Lets other promises run `turns` times (no timers: the order is the scheduler's, not the clock's). */
async function yieldTurns(turns: number): Promise<void> {
  for (let i = 0; i < turns; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * An agent whose submitter stands in for sbatch: each call takes `turns()` turns, and may ask
 * for other attempts (or itself) again meanwhile, as a finished image conversion does.
 */
function burstAgent(concurrency: number, turns: () => number, askAgain: () => string | undefined, gate?: Promise<void>) {
  const store = new AttemptStore(mkdtempSync(join(tmpdir(), 'burst-')));
  const sbatch = new Map<string, number>();
  const holding = new Set<string>();
  let running = 0;
  let mostAtOnce = 0;
  let twiceAtOnce = 0;
  let listener: ((attemptId: string) => void) | undefined;
  const submitter = strictMock<AttemptSubmitter>(
    {
      onImageReady: (l: (attemptId: string) => void) => void (listener = l),
      submit: async (attempt: Attempt) => {
        if (holding.has(attempt.id)) twiceAtOnce += 1;
        holding.add(attempt.id);
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        try {
          // Asked again only around an attempt's first submission (as a conversion ends once).
          const again = attempt.status.slurmJobId ? undefined : askAgain();
          if (again) listener?.(again);
          await gate;
          await yieldTurns(turns());
          if (!attempt.status.slurmJobId) {
            sbatch.set(attempt.id, (sbatch.get(attempt.id) ?? 0) + 1);
            attempt.status.slurmJobId = String(sbatch.size);
          }
          return true;
        } finally {
          running -= 1;
          holding.delete(attempt.id);
        }
      },
    },
    'AttemptSubmitter',
  );
  let polls = 0;
  const agent = new SiteAgent(
    'dev',
    store,
    strictMock<SlurmRepository>({}, 'SlurmRepository'),
    submitter,
    strictMock<SlurmPoller>({ urge: () => void (polls += 1) }, 'SlurmPoller'),
    { pollMs: 60_000, retryMs: 60_000 },
    { resourceClasses: {} },
    createLogger('t', 'silent'),
    undefined,
    0,
    concurrency,
  );
  return { store, agent, sbatch, stats: () => ({ mostAtOnce, twiceAtOnce, polls }) };
}

describe('SiteAgent submits a burst with bounded concurrency [real: filesystem]', () => {
  it('submits every attempt of a burst exactly once, never one attempt twice at once, never more than the bound at once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.option(fc.nat(39), { nil: undefined }), { minLength: 1, maxLength: 20 }),
        async (n, concurrency, delays, asks) => {
          const ids = Array.from({ length: n }, (_, i) => `3f1c2b4a-0000-4000-8000-${String(i).padStart(12, '0')}`);
          let d = 0;
          let a = 0;
          const { store, agent, sbatch, stats } = burstAgent(
            concurrency,
            () => delays[d++ % delays.length] as number,
            () => {
              const ask = asks[a++ % asks.length];
              return ask === undefined ? undefined : ids[ask % n];
            },
          );
          await store.init();
          await Promise.all(ids.map((id) => agent.accept(command(id))));
          // Every attempt accepted is submitted before the agent stops (stop waits for the workers).
          for (let i = 0; i < 10_000 && sbatch.size < n; i += 1) await yieldTurns(1);
          expect(sbatch.size).toBe(n);
          await agent.onModuleDestroy();
          expect([...sbatch.values()].every((count) => count === 1)).toBe(true);
          expect([...sbatch.keys()].sort()).toEqual(ids);
          expect(stats().twiceAtOnce).toBe(0);
          expect(stats().mostAtOnce).toBeLessThanOrEqual(concurrency);
          expect(stats().polls).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('runs as many submissions at once as the bound allows when a burst waits (the last ones are not held up by the first)', async () => {
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const { store, agent, sbatch, stats } = burstAgent(4, () => 0, () => undefined, gate);
    await store.init();
    const ids = Array.from({ length: 12 }, (_, i) => `3f1c2b4a-0000-4000-8000-${String(i).padStart(12, '0')}`);
    for (const id of ids) await agent.accept(command(id));
    expect(stats().mostAtOnce).toBe(4);
    open();
    while (sbatch.size < ids.length) await yieldTurns(1);
    await agent.onModuleDestroy();
    expect(stats().mostAtOnce).toBe(4);
    expect([...sbatch.values()]).toEqual(ids.map(() => 1));
  });
});
