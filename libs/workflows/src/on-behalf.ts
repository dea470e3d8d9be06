import type { Called } from '@cairn/contracts';
import type { RunRow } from './workflow.store';

/**
 * Who the engine is when it submits or cancels a run's jobs: the run's owner, with only
 * the run's account (so every job is charged to it) and no role beyond `user` (so it can
 * touch nothing but the owner's own jobs). A legacy run (no account) gets its jobs refused.
 */
export function onBehalfOf(run: RunRow): Called {
  return {
    caller: {
      issuer: run.owner_issuer,
      subject: run.owner_subject,
      name: run.owner_name,
      posixUser: run.owner_posix_user,
      accounts: run.account ? [run.account] : [],
      roles: ['user'],
      projects: [],
    },
    peer: `workflow-engine run ${run.run_id}`,
  };
}
