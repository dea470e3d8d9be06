import type { JobRecord, Principal } from '@cairn/contracts';
import { principals } from './principals';

/** The digest the unit specs' job records are pinned to (no registry involved). */
export const TEST_IMAGE_DIGEST = 'lab/busybox@sha256:0000000000000000000000000000000000000000000000000000000000000000';

/**
 * A one-CPU `/bin/true` job just accepted at site `dev` (state ACCEPTED, no Slurm job yet), as
 * the scheduler stores it: the fixture the read-model specs start from.
 */
export function acceptedJobRecord(jobId: string, owner: Principal = principals.alice, account = 'alice-lab'): JobRecord {
  return {
    jobId,
    spec: { name: 'j', image: 'lab/busybox:1.36', command: ['/bin/true'], env: {}, resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 60 }, site: 'dev' },
    imageDigest: TEST_IMAGE_DIGEST,
    state: 'ACCEPTED',
    exitCode: null,
    slurmJobId: '',
    reason: '',
    attemptId: 'a-1',
    createTime: '2026-12-02T05:00:00.000Z',
    updateTime: '2026-12-02T05:00:00.000Z',
    owner: { issuer: owner.issuer, subject: owner.subject, name: owner.name, posixUser: owner.posixUser },
    account,
  };
}
