import type { JobSpec } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';

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
