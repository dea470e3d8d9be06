import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ProcessRepository } from '@cairn/adapters/process';
import { CairnError } from '@cairn/contracts';
import { type JobUser, JobUserError } from './job-user';
import { TtlMemo } from './ttl-memo';

/** What decides whether a user may pass through a directory: its owner, group and mode. */
export interface DirectoryAccess {
  uid: number;
  gid: number;
  mode: number;
}

/**
 * Whether a user (uid and every group it is in) may search a directory, as the kernel
 * decides it: the owner's bits when the user owns it, else the group's when it is in the
 * group, else the others' (each class alone, never the best of them). Root always may.
 */
export function canSearch(dir: DirectoryAccess, user: { uid: number; groups: readonly number[] }): boolean {
  if (user.uid === 0) return true;
  if (dir.uid === user.uid) return (dir.mode & 0o100) !== 0;
  if (user.groups.includes(dir.gid)) return (dir.mode & 0o010) !== 0;
  return (dir.mode & 0o001) !== 0;
}

/** The job user's groups (`id -G`, so NSS groups count); its primary group alone if `id` cannot tell. */
export async function jobUserGroups(user: JobUser, processes: ProcessRepository): Promise<number[]> {
  const result = await processes.run('id', ['-G', '--', user.name], { timeoutMs: 30_000 }).catch(() => undefined);
  const groups = result?.exitCode === 0 ? result.stdout.trim().split(/\s+/).filter((id) => /^\d+$/.test(id)).map(Number) : [];
  return groups.includes(user.gid) ? groups : [user.gid, ...groups];
}

/**
 * Refuses a directory of the agent's that the job user cannot reach: Slurm opens each job's
 * output there as the job's user, so every job would fail to launch (JobLaunchFailure) with
 * nothing in Cairn to say why. Checks the path (when it exists) and each directory above it.
 */
export async function checkReachableByJobs(
  setting: string,
  path: string,
  user: JobUser,
  groups: readonly number[],
  who = `the job user ${user.name}`,
): Promise<void> {
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    // Not made yet (the agent makes it later): the directories above it decide.
    const stats = await stat(dir).catch(() => undefined);
    if (stats && !canSearch(stats, { uid: user.uid, groups })) {
      throw new JobUserError(
        `${setting}: ${who} cannot reach ${path}: ${dir} is mode ${(stats.mode & 0o777).toString(8).padStart(3, '0')} (owner uid ${stats.uid}, group ${stats.gid}), so no job could open its output there (chmod o+x ${dir}, or choose another directory)`,
      );
    }
    if (dirname(dir) === dir) return;
  }
}

/** One of the agent's directories jobs open files under, and the setting that names it. */
export interface JobDirectory {
  setting: string;
  path: string;
}

/**
 * The start-up check above, for each person a job runs as (a command's runAs): a directory
 * only the job user's group may pass through would fail every one of their jobs at launch.
 * A refusal is FAILED_PRECONDITION naming the directory; answers (a refusal too) are kept
 * for `ttlMs`, like RunAsUsers', so a burst costs one `id -G` and a few stats per person.
 */
export class PersonReach {
  private readonly answers: TtlMemo<string, CairnError | undefined>;

  constructor(
    private readonly processes: ProcessRepository,
    private readonly dirs: readonly JobDirectory[],
    ttlMs: number,
    now?: () => number,
  ) {
    this.answers = new TtlMemo(ttlMs, now);
  }

  /** Resolves when the person's jobs can reach every directory; throws the refusal otherwise. */
  async check(user: JobUser): Promise<void> {
    const refusal = await this.answers.get(`${user.name}:${user.uid}`, () => this.refusalFor(user));
    if (refusal) throw refusal;
  }

  private async refusalFor(user: JobUser): Promise<CairnError | undefined> {
    const groups = await jobUserGroups(user, this.processes);
    for (const { setting, path } of this.dirs) {
      try {
        await checkReachableByJobs(setting, path, user, groups, user.name);
      } catch (error) {
        if (!(error instanceof JobUserError)) throw error;
        return new CairnError('FAILED_PRECONDITION', `jobs cannot run as ${user.name} on this site: ${error.message}`);
      }
    }
    return undefined;
  }
}
