import { exhausted, type Principal, type Usage } from '@cairn/contracts';

/**
 * How much unfinished work one person and one project (Slurm account) may have at once:
 * jobs not yet finished (submitted directly; a workflow's own jobs count toward its run)
 * and workflow runs still running. Over a limit a submission is RESOURCE_EXHAUSTED.
 */
export interface RunLimits {
  jobsPerPerson: number;
  jobsPerProject: number;
  workflowsPerPerson: number;
  workflowsPerProject: number;
}

export const DEFAULT_RUN_LIMITS: RunLimits = { jobsPerPerson: 1000, jobsPerProject: 5000, workflowsPerPerson: 100, workflowsPerProject: 500 };

/** The settings that set each limit (docs/configuration.md, "scheduler"). */
export const RUN_LIMIT_SETTINGS: Record<keyof RunLimits, string> = {
  jobsPerPerson: 'CAIRN_MAX_ACTIVE_JOBS_PER_PERSON',
  jobsPerProject: 'CAIRN_MAX_ACTIVE_JOBS_PER_PROJECT',
  workflowsPerPerson: 'CAIRN_MAX_RUNNING_WORKFLOWS_PER_PERSON',
  workflowsPerProject: 'CAIRN_MAX_RUNNING_WORKFLOWS_PER_PROJECT',
};

/** Which of the limits apply to jobs and which to workflow runs. */
const LIMITS_OF = {
  jobs: { perPerson: 'jobsPerPerson', perProject: 'jobsPerProject' },
  workflows: { perPerson: 'workflowsPerPerson', perProject: 'workflowsPerProject' },
} as const;

/**
 * Refuses one more job (or run) when the person or the project already has as many
 * unfinished as their limit, saying which limit, how many they have, and what to do.
 */
export function checkRunLimits(
  kind: 'jobs' | 'workflows',
  limits: RunLimits,
  who: { name: string; active: number },
  project: { account: string; active: number },
): void {
  const what = kind === 'jobs' ? 'jobs not yet finished' : 'workflow runs still running';
  const { perPerson, perProject } = LIMITS_OF[kind];
  if (who.active >= limits[perPerson]) {
    throw exhausted(`${who.name} has ${who.active} ${what}, the most one person may have (${limits[perPerson]}, ${RUN_LIMIT_SETTINGS[perPerson]}): wait for some to finish, or cancel some`);
  }
  if (project.active >= limits[perProject]) {
    throw exhausted(
      `account ${project.account} has ${project.active} ${what}, the most one project may have (${limits[perProject]}, ${RUN_LIMIT_SETTINGS[perProject]}): wait for some to finish, or charge another of your accounts`,
    );
  }
}

/**
 * The caller's usage of the limits `checkRunLimits` applies: their own count against the
 * limit per person, and each account they may charge (in their order) against the limit per
 * project. `counts` holds what is counted now; a missing account has none.
 */
export function runUsage(kind: 'jobs' | 'workflows', limits: RunLimits, caller: Principal, counts: { owner: number; accounts: ReadonlyMap<string, number> }): Usage {
  const { perPerson, perProject } = LIMITS_OF[kind];
  return {
    person: { name: caller.name, used: counts.owner, limit: limits[perPerson], setting: RUN_LIMIT_SETTINGS[perPerson] },
    projects: caller.accounts.map((account) => ({ name: account, used: counts.accounts.get(account) ?? 0, limit: limits[perProject], setting: RUN_LIMIT_SETTINGS[perProject] })),
  };
}
