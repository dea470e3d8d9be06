import { stat } from 'node:fs/promises';
import type { ProcessRepository } from '@cairn/adapters/process';
import { ConfigError } from '@cairn/config';

/** The unprivileged account every job of this site runs as (until people are mapped). */
export interface JobUser {
  name: string;
  uid: number;
  group: string;
  gid: number;
  /** True when the agent runs as root and submits with sbatch --uid/--gid (files are chowned to the job user). */
  switchUser: boolean;
}

/** The agent's own process identity. */
export interface AgentIdentity {
  uid: number;
}

/** A job user the agent must not use: a configuration error (exit 2, one line naming the setting). */
export class JobUserError extends ConfigError {}

const SETTING = 'CAIRN_AGENT_JOB_USER';

/** One `getent passwd` line: name:password:uid:gid:gecos:home:shell. */
export function parsePasswdEntry(line: string): { name: string; uid: number; gid: number } | undefined {
  const [name, , uid, gid] = line.trim().split(':');
  if (!name || !uid || !gid || !/^\d+$/.test(uid) || !/^\d+$/.test(gid)) return undefined;
  return { name, uid: Number(uid), gid: Number(gid) };
}

/** One `getent group` line: name:password:gid:members. */
export function parseGroupEntry(line: string): { name: string; gid: number } | undefined {
  const [name, , gid] = line.trim().split(':');
  if (!name || !gid || !/^\d+$/.test(gid)) return undefined;
  return { name, gid: Number(gid) };
}

/**
 * Decides whether the agent may run its jobs as `wanted` (the account found for the
 * configured name, or undefined when there is none). Jobs never run as root: a missing
 * account, uid 0 or primary group 0 is refused. An agent that is root switches to the
 * job user for every job; an agent that is not root cannot, so its job user must be itself.
 */
export function checkJobUser(
  configured: string,
  wanted: { name: string; uid: number; gid: number } | undefined,
  group: { name: string; gid: number } | undefined,
  agent: AgentIdentity,
): JobUser {
  if (!wanted) throw new JobUserError(`${SETTING} is "${configured}": no such user on this host (create it, e.g. useradd --system ${configured})`);
  if (wanted.uid === 0) throw new JobUserError(`${SETTING} is "${configured}": that is root (uid 0), and jobs never run as root`);
  if (wanted.gid === 0) throw new JobUserError(`${SETTING} is "${configured}": its primary group is root (gid 0), and jobs never run as root`);
  if (!group) throw new JobUserError(`${SETTING} is "${configured}": its primary group ${wanted.gid} does not exist`);
  if (agent.uid !== 0 && agent.uid !== wanted.uid) {
    throw new JobUserError(
      `${SETTING} is "${configured}" (uid ${wanted.uid}), but the agent runs as uid ${agent.uid}, not root: it can only run jobs as itself (set ${SETTING} to its own user, or run the agent as root)`,
    );
  }
  return { name: wanted.name, uid: wanted.uid, group: group.name, gid: group.gid, switchUser: agent.uid === 0 };
}

/** Looks the job user up with getent (so LDAP/NSS accounts count) and checks it (see checkJobUser). */
export async function resolveJobUser(configured: string, processes: ProcessRepository, agent: AgentIdentity): Promise<JobUser> {
  const passwd = await processes.run('getent', ['passwd', '--', configured], { timeoutMs: 30_000 });
  const wanted = passwd.exitCode === 0 ? parsePasswdEntry(passwd.stdout.split('\n')[0] ?? '') : undefined;
  // getent also answers a numeric id; the account must carry the configured name.
  const found = wanted && (wanted.name === configured || String(wanted.uid) === configured) ? wanted : undefined;
  const groupResult = found ? await processes.run('getent', ['group', '--', String(found.gid)], { timeoutMs: 30_000 }) : undefined;
  const group = groupResult?.exitCode === 0 ? parseGroupEntry(groupResult.stdout.split('\n')[0] ?? '') : undefined;
  return checkJobUser(configured, found, group, agent);
}

/** Refuses a file of the agent's (config, credentials) that the job user could read. */
export async function checkNotReadableByJobs(path: string, user: JobUser): Promise<void> {
  const stats = await stat(path);
  const readable = (stats.mode & 0o004) !== 0 || (stats.gid === user.gid && (stats.mode & 0o040) !== 0) || (stats.uid === user.uid && user.switchUser);
  if (readable) {
    throw new JobUserError(
      `CAIRN_CONFIG: ${path} (mode ${(stats.mode & 0o777).toString(8)}) can be read by the job user ${user.name}: jobs must not reach the agent's settings and credentials (chmod 600 it)`,
    );
  }
}
