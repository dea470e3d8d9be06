import { canRead, isAdmin } from '@cairn/access';
import type { Principal, RunInfo, SiteImageRecord } from '@cairn/contracts';

/**
 * An image as `caller` sees it in a site's list (docs/security.md, "Who can do what"): the
 * run ids of runs they may read (an admin: all, also those the scheduler no longer knows),
 * and in use when the agent says so or any of its runs (seen or not) is live.
 */
export function imageForCaller(image: SiteImageRecord, caller: Principal, runs: ReadonlyMap<string, RunInfo>): SiteImageRecord {
  const admin = isAdmin(caller);
  const runIds = image.runIds.filter((runId) => {
    const run = runs.get(runId);
    if (!run) return admin;
    return canRead(caller, run.owner, run.account ?? '');
  });
  const inUse = image.inUse || image.runIds.some((runId) => runs.get(runId)?.live === true);
  return { ...image, runIds, inUse };
}

/** The run ids a list of images names, each once. */
export const runIdsOf = (images: readonly Pick<SiteImageRecord, 'runIds'>[]): string[] => [...new Set(images.flatMap((image) => image.runIds))];
