import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SlurmRepository } from '@cairn/adapters/slurm';
import type { SubmitAttemptCommand } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { errorCode, strictMock } from '@cairn/testing';
import { AttemptStore } from './attempt-store';
import type { AttemptSubmitter } from './attempt-submitter';
import { SiteAgent } from './site-agent.service';
import type { SlurmPoller } from './slurm-poller';

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

function setup() {
  const store = new AttemptStore(mkdtempSync(join(tmpdir(), 'agent-')));
  // Nothing below may reach Slurm or submit: the strict mocks fail the test if it does.
  const agent = new SiteAgent(
    'dev',
    store,
    strictMock<SlurmRepository>({}, 'SlurmRepository'),
    strictMock<AttemptSubmitter>({}, 'AttemptSubmitter'),
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
    writeFileSync(join(attempt.dir, 'items-0.jsonl'), line(17, 0) + line(3, 2));
    writeFileSync(join(attempt.dir, 'items-1.jsonl'), `${JSON.stringify({ item: 40, exitCode: 0, startedAt: '2026-11-25T10:00:00.000Z', endedAt: '2026-11-25T10:00:02.500Z', host: 'h' })}\n`);
    expect(await agent.items(attempt.id)).toEqual({
      attemptId: attempt.id,
      items: [
        { item: 3, exitCode: 2 },
        { item: 17, exitCode: 0 },
        { item: 40, exitCode: 0, seconds: 2.5 },
      ],
    });
  });
});
