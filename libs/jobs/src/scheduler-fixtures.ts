import { randomUUID } from 'node:crypto';
import { type Called, type JobSpec, ownerOf } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import type { NewJob } from './job.store';

/** What the scheduler's unit specs share: a small job, its pinned image, a quiet logger. */
export const fixtureSpec: JobSpec = {
  name: 'j',
  image: 'lab/busybox:1.36',
  command: ['/bin/true'],
  env: {},
  resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 60 },
  site: 'dev',
};
export const FIXTURE_PINNED = {
  reference: 'lab/busybox:1.36',
  pinned: `reg/lab/busybox@sha256:${'c'.repeat(64)}`,
  digest: `sha256:${'c'.repeat(64)}`,
};
export const quietLogger = createLogger('test', 'silent');
export const noWake = { wake: (): void => undefined };

/**
 * A job as SubmitJob hands it to the store (JobStore.admit): the fixture spec named `name`,
 * of `who`, charged to `account` (alice-lab by default), with a request id when given, and
 * a workflow run's job (not counted by the run limits) when `run`.
 */
export function fixtureJob(who: Called, options: { name?: string; account?: string; requestId?: string; run?: boolean } = {}): NewJob {
  const owner = ownerOf(who.caller);
  const at = new Date();
  const account = options.account ?? 'alice-lab';
  return {
    jobId: randomUUID(),
    attemptId: randomUUID(),
    ...(options.requestId ? { requestId: options.requestId } : {}),
    spec: { ...fixtureSpec, name: options.name ?? 'j', account, ...(options.run ? { run: { id: randomUUID(), stepDir: 'steps/a' } } : {}) },
    imagePinned: FIXTURE_PINNED.pinned,
    imageDigest: FIXTURE_PINNED.digest,
    at,
    owner,
    account,
    audit: { at, rpc: '/cairn.v1.JobService/SubmitJob', ids: options.requestId ? [options.requestId] : [], who: owner, outcome: 'OK' },
  };
}
