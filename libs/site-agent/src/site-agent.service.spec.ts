import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SlurmRepository } from '@cairn/adapters/slurm';
import type { SubmitAttemptCommand } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { errorCode, strictMock, waitFor } from '@cairn/testing';
import fc from 'fast-check';
import { type Attempt, AttemptStore } from './attempt-store';
import type { AttemptSubmitter } from './attempt-submitter';
import { END_SETTLE_MS } from './out-signals';
import { SiteAgent } from './site-agent.service';
import type { SlurmPoller } from './slurm-poller';
import type { RunAsUsers } from './run-as-user';
import { CairnError } from '@cairn/contracts';

const DIGEST = `sha256:${'b'.repeat(64)}`;
const command = (attemptId: string, indices?: number[]): SubmitAttemptCommand => ({
  attemptId,
  jobId: '9f1c2b4a-0000-4000-8000-000000000009',
  spec: {
    name: 'j',
    image: 'lab/busybox:1.36',
    command: ['/bin/echo', '${{ item }}'],
    env: {},
    resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 60 },
    site: 'dev',
  },
  image: { reference: 'lab/busybox:1.36', pinned: `reg/lab/busybox@${DIGEST}`, digest: DIGEST },
  array: { items: ['a', 'b', 'c'], itemsPerElement: 2, ...(indices ? { indices } : {}) },
});

/** An agent whose submitter only counts: nothing reaches Slurm. */
function countingAgent(store: AttemptStore, submits: string[], users?: RunAsUsers) {
  return new SiteAgent(
    'dev',
    store,
    strictMock<SlurmRepository>({}, 'SlurmRepository'),
    strictMock<AttemptSubmitter>(
      {
        onImageReady: () => undefined,
        submit: async (attempt: Attempt) => {
          submits.push(attempt.id);
          attempt.status.slurmJobId = String(submits.length);
          return true;
        },
      },
      'AttemptSubmitter',
    ),
    strictMock<SlurmPoller>({ urge: () => undefined }, 'SlurmPoller'),
    { pollMs: 60_000, retryMs: 60_000 },
    { resourceClasses: {} },
    createLogger('t', 'silent'),
    users,
  );
}

describe('SiteAgent.accept with runAs [real: filesystem]', () => {
  it('refuses a person the site never runs jobs as before recording anything (PERMISSION_DENIED), and accepts one it does', async () => {
    const root = mkdtempSync(join(tmpdir(), 'agent-'));
    const store = new AttemptStore(root);
    await store.init();
    const submits: string[] = [];
    const users = strictMock<RunAsUsers>(
      {
        resolveForJob: async (name: string) => {
          if (name === 'root') throw new CairnError('PERMISSION_DENIED', 'this site does not run jobs as "root": that is root (uid 0), and jobs never run as root');
          return { name, uid: 1001, gid: 1001, group: name, switchUser: true, home: `/home/${name}` };
        },
      },
      'RunAsUsers',
    );
    const agent = countingAgent(store, submits, users);
    const refused = '3f1c2b4a-0000-4000-8000-0000000000e1';
    const error = await agent.accept({ ...command(refused), runAs: { posixUser: 'root', account: 'ops' } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining('"root": that is root') });
    expect(readdirSync(root)).toEqual([]);
    expect(await agent.accept({ ...command('3f1c2b4a-0000-4000-8000-0000000000e2'), runAs: { posixUser: 'alice', account: 'alice-lab' } })).toEqual({
      attemptId: '3f1c2b4a-0000-4000-8000-0000000000e2',
      duplicate: false,
    });
    // Without user rules a runAs is refused: this agent cannot run jobs as people.
    const noRules = countingAgent(store, submits);
    expect(await errorCode(noRules.accept({ ...command('3f1c2b4a-0000-4000-8000-0000000000e3'), runAs: { posixUser: 'alice', account: 'alice-lab' } }))).toBe('FAILED_PRECONDITION');
    await agent.onModuleDestroy();
  });
});

describe('SiteAgent.accept is an atomic create [real: filesystem]', () => {
  it('of 25 concurrent deliveries of one attempt, exactly one is new and one submission follows', async () => {
    const store = new AttemptStore(mkdtempSync(join(tmpdir(), 'agent-')));
    await store.init();
    const submits: string[] = [];
    const agent = countingAgent(store, submits);
    const attemptId = '3f1c2b4a-0000-4000-8000-000000000031';
    const replies = await Promise.all(Array.from({ length: 25 }, () => agent.accept(command(attemptId))));
    await agent.onModuleDestroy();
    expect(replies.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(submits).toEqual([attemptId]);
    expect(readdirSync(store.root)).toEqual([attemptId]);
  });

  it('holds across two agents on one directory (two processes): one creates, the other sees a duplicate, for every attempt', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uuid({ version: 4 }), fc.integer({ min: 2, max: 6 }), async (attemptId, copies) => {
        const store = new AttemptStore(mkdtempSync(join(tmpdir(), 'agent-')));
        const submits: string[] = [];
        const agents = [countingAgent(new AttemptStore(store.root), submits), countingAgent(new AttemptStore(store.root), submits)];
        const replies = await Promise.all(Array.from({ length: copies * 2 }, (_, i) => (agents[i % 2] as SiteAgent).accept(command(attemptId))));
        await Promise.all(agents.map((a) => a.onModuleDestroy()));
        expect(replies.filter((r) => !r.duplicate)).toHaveLength(1);
        expect(submits).toEqual([attemptId]);
      }),
      { numRuns: 20 },
    );
  });

  it('keeps the attempt state readable by the agent alone, and a cancel racing the submit never hides the attempt', async () => {
    const store = new AttemptStore(mkdtempSync(join(tmpdir(), 'agent-')));
    await store.init();
    const submits: string[] = [];
    const agent = countingAgent(store, submits);
    const attemptId = '3f1c2b4a-0000-4000-8000-000000000032';
    await Promise.all([agent.accept(command(attemptId)), agent.cancel(attemptId)]);
    await agent.onModuleDestroy();
    const attempt = await store.load(attemptId);
    expect(attempt?.status.cancelRequested).toBe(true);
    expect(statSync(join(store.root, attemptId, 'status.json')).mode & 0o777).toBe(0o600);
    expect(statSync(store.root).mode & 0o777).toBe(0o711);
    // Whichever won: the attempt with its command and nonce, or a tombstone; both cancelled.
    expect(attempt?.command ? attempt.status.nonce : attempt?.status.final).toBeTruthy();
  });
});

describe('SiteAgent.accept checks every field the scheduler sets', () => {
  const base = command('3f1c2b4a-0000-4000-8000-000000000041');
  it.each<[string, SubmitAttemptCommand, RegExp]>([
    ['another site', { ...base, spec: { ...base.spec, site: 'other' } }, /^spec\.site: attempt for site other sent to site dev$/],
    ['a pinned image without its digest', { ...base, image: { ...base.image, pinned: 'reg/lab/busybox:1.36' } }, /^image\.pinned: must be registry\/name@sha256/],
    ['a pinned image naming another digest', { ...base, image: { ...base.image, pinned: `reg/x@sha256:${'c'.repeat(64)}` } }, /^image\.pinned: does not carry image\.digest$/],
    ['an option for skopeo', { ...base, image: { ...base.image, pinned: `--src-creds=x@${DIGEST}` } }, /^image\.pinned: must be/],
    ['a path out of the registry', { ...base, image: { ...base.image, pinned: `reg/../x@${DIGEST}` } }, /^image\.pinned: must not contain "\.\."/],
    ['repeated indices', command(base.attemptId, [1, 2, 1]), /^array\.indices: item index 1 appears more than once$/],
    ['an index past the limit', command(base.attemptId, [1, 2, 10_000_001]), /^array\.indices: must be at most 10000000$/],
    ['too many elements', { ...base, array: { items: Array.from({ length: 1001 }, (_, i) => i), itemsPerElement: 1 } }, /^array: makes 1001 array elements, more than 1000$/],
    ['an array spec without its items', { ...base, spec: { ...base.spec, array: { items: ['a'], itemsPerElement: 1 } }, array: undefined }, /^array: is required/],
  ])('refuses %s with INVALID_ARGUMENT, recording nothing', async (_what, bad, message) => {
    const store = new AttemptStore(mkdtempSync(join(tmpdir(), 'agent-')));
    const agent = countingAgent(store, []);
    await expect(agent.accept(bad)).rejects.toThrow(message);
    expect(await errorCode(agent.accept(bad))).toBe('INVALID_ARGUMENT');
    expect(await store.load(bad.attemptId)).toBeUndefined();
  });
});

function setup() {
  const store = new AttemptStore(mkdtempSync(join(tmpdir(), 'agent-')));
  // Nothing below may reach Slurm or submit: the strict mocks fail the test if it does.
  const agent = new SiteAgent(
    'dev',
    store,
    strictMock<SlurmRepository>({}, 'SlurmRepository'),
    strictMock<AttemptSubmitter>({ onImageReady: () => undefined }, 'AttemptSubmitter'),
    strictMock<SlurmPoller>({}, 'SlurmPoller'),
    { pollMs: 60_000, retryMs: 60_000 },
    { resourceClasses: {} },
    createLogger('t', 'silent'),
  );
  return { store, agent };
}

describe('SiteAgent with item indices', () => {
  it('refuses an array attempt whose indices repeat, before recording it', async () => {
    const { store, agent } = setup();
    const attemptId = '3f1c2b4a-0000-4000-8000-000000000021';
    await expect(agent.accept(command(attemptId, [3, 17, 3]))).rejects.toThrow('array.indices: item index 3 appears more than once');
    expect(await errorCode(agent.accept(command(attemptId, [3, 17, 3])))).toBe('INVALID_ARGUMENT');
    expect(await store.load(attemptId)).toBeUndefined();
  });

  it('reports items under their indices in the step', async () => {
    const { store, agent } = setup();
    const attempt = await store.create(command('3f1c2b4a-0000-4000-8000-000000000022', [3, 17, 40]));
    const line = (item: number, exitCode: number) => `${JSON.stringify({ item, exitCode, startedAt: 'a', endedAt: 'b', host: 'h' })}\n`;
    mkdirSync(join(attempt.dir, 'out'));
    writeFileSync(join(attempt.dir, 'out', 'items-0.jsonl'), line(17, 0) + line(3, 2));
    writeFileSync(join(attempt.dir, 'out', 'items-1.jsonl'), `${JSON.stringify({ item: 40, exitCode: 0, startedAt: '2026-11-25T10:00:00.000Z', endedAt: '2026-11-25T10:00:02.500Z', host: 'h' })}\n`);
    expect(await agent.items(attempt.id)).toEqual({
      attemptId: attempt.id,
      items: [
        { item: 3, exitCode: 2 },
        { item: 17, exitCode: 0 },
        { item: 40, exitCode: 0, seconds: 2.5 },
      ],
    });
  });

  it('answers each item’s host, times and hashed outputs (paths in the step’s directory) when asked for facts', async () => {
    const { store, agent } = setup();
    const base = command('3f1c2b4a-0000-4000-8000-000000000023', [3, 17, 40]);
    const withRun = { ...base, spec: { ...base.spec, run: { id: '0b6f3c1e-0000-4000-8000-0000000000aa', stepDir: 'sweep', outputs: ['r.json'] } } };
    const attempt = await store.create(withRun);
    const hex = 'ef'.repeat(32);
    const times = { startedAt: '2026-11-25T10:00:00.000Z', endedAt: '2026-11-25T10:00:01.000Z', host: 'node2' };
    mkdirSync(join(attempt.dir, 'out'));
    writeFileSync(
      join(attempt.dir, 'out', 'items-0.jsonl'),
      [
        JSON.stringify({ item: 17, exitCode: 0, ...times, outputs: [{ i: 0, sha256: hex, size: 7, kind: 'file' }] }),
        JSON.stringify({ item: 3, exitCode: 1, ...times, outputs: [] }),
        '',
      ].join('\n'),
    );
    const run = { host: 'node2', startTime: times.startedAt, endTime: times.endedAt };
    expect(await agent.items(attempt.id, { facts: true })).toEqual({
      attemptId: attempt.id,
      items: [
        { item: 3, exitCode: 1, seconds: 1, run: { ...run, outputs: [], unhashed: ['3/r.json'] } },
        { item: 17, exitCode: 0, seconds: 1, run: { ...run, outputs: [{ path: '17/r.json', sha256: hex, size: 7, kind: 'file' }] } },
      ],
    });
    expect(await agent.items(attempt.id, { facts: true, offset: 1 })).toMatchObject({ items: [{ item: 17 }] });
    expect((await agent.items(attempt.id)).items).toEqual([
      { item: 3, exitCode: 1, seconds: 1 },
      { item: 17, exitCode: 0, seconds: 1 },
    ]);
  });
});

describe('SiteAgent between polls: the glance', () => {
  /** An agent with nothing open whose poller counts its ticks and answers glances as told. */
  async function glancingAgent(glanceMs: number, answer: { signal: boolean; listedAt: number; seenAt: number }, pollMs = 60_000) {
    const dir = mkdtempSync(join(tmpdir(), 'agent-glance-'));
    const counts = { ticks: 0, glances: 0 };
    const agent = new SiteAgent(
      'dev',
      new AttemptStore(dir),
      strictMock<SlurmRepository>({}, 'SlurmRepository'),
      strictMock<AttemptSubmitter>({ onImageReady: () => undefined }, 'AttemptSubmitter'),
      strictMock<SlurmPoller>(
        {
          urge: () => undefined,
          tick: async () => {
            counts.ticks += 1;
            return true;
          },
          glance: async () => {
            counts.glances += 1;
            return answer.signal ? answer.seenAt : undefined;
          },
          lastListedAt: () => answer.listedAt,
        },
        'SlurmPoller',
      ),
      { pollMs, retryMs: 60_000, glanceMs },
      { resourceClasses: {} },
      createLogger('t', 'silent'),
    );
    await agent.onApplicationBootstrap();
    return { agent, counts };
  }

  it('a start or end the files show lists at once when the last listing is a poll interval old, long before the next poll', async () => {
    const answer = { signal: false, listedAt: 0, seenAt: 0 };
    const { agent, counts } = await glancingAgent(5, answer);
    try {
      await waitFor('a few glances', async () => (counts.glances >= 3 ? true : undefined), 10_000, 5);
      // Only the poll at start so far: nothing to see.
      expect(counts.ticks).toBe(1);
      answer.signal = true;
      await waitFor('the listing the glance asks for', async () => (counts.ticks >= 2 ? true : undefined), 10_000, 5);
    } finally {
      await agent.onModuleDestroy();
    }
  });

  it('never lists twice within a poll interval for what a glance saw (the next poll does)', async () => {
    const answer = { signal: true, listedAt: Date.now(), seenAt: 0 };
    const { agent, counts } = await glancingAgent(5, answer);
    try {
      await waitFor('twenty glances that each see a signal', async () => (counts.glances >= 20 ? true : undefined), 10_000, 5);
      expect(counts.ticks).toBe(1);
    } finally {
      await agent.onModuleDestroy();
    }
  });

  it('lists news that appeared just now only once Slurm has had END_SETTLE_MS to let the task go', async () => {
    const answer = { signal: false, listedAt: 0, seenAt: 0 };
    const { agent, counts } = await glancingAgent(5, answer);
    try {
      // News from the future (a clock ahead, or a marker this instant): not listed before its time.
      Object.assign(answer, { signal: true, seenAt: Date.now() + 60_000 });
      await waitFor('twenty glances', async () => (counts.glances >= 20 ? true : undefined), 10_000, 5);
      expect(counts.ticks).toBe(1);
      Object.assign(answer, { seenAt: Date.now() - END_SETTLE_MS });
      await waitFor('the listing once the news is old enough', async () => (counts.ticks >= 2 ? true : undefined), 10_000, 5);
    } finally {
      await agent.onModuleDestroy();
    }
  });

  it('makes the listing when the news has had END_SETTLE_MS, not at the first glance after it', async () => {
    const answer = { signal: false, listedAt: 0, seenAt: 0 };
    // Glances 10 minutes apart: the first, at start, sees the news of this instant; no other comes during the test.
    const { agent, counts } = await glancingAgent(600_000, { ...answer, signal: true, seenAt: Date.now() }, 1_200_000);
    try {
      await waitFor('the listing END_SETTLE_MS after the news', async () => (counts.ticks >= 2 ? true : undefined), 10_000, 5);
      expect(counts.glances).toBe(2);
    } finally {
      await agent.onModuleDestroy();
    }
  });

  it('does not glance when its period is 0 or not below the poll interval', async () => {
    for (const glanceMs of [0, 60_000]) {
      const { agent, counts } = await glancingAgent(glanceMs, { signal: true, listedAt: 0, seenAt: 0 });
      try {
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect({ glanceMs, ...counts }).toEqual({ glanceMs, ticks: 1, glances: 0 });
      } finally {
        await agent.onModuleDestroy();
      }
    }
  });
});
