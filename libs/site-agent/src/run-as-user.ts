import type { ProcessRepository } from '@cairn/adapters/process';
import { CairnError } from '@cairn/contracts';
import type { PersonReach } from './job-reach';
import { TtlMemo } from './ttl-memo';
import { type AgentIdentity, type JobUser, parseGroupEntry, parsePasswdEntry } from './job-user';

/**
 * Which people the agent may run jobs as (docs/security.md, "Agent"): never root or a
 * system account, and, when the site says so, only some users. Settings:
 * CAIRN_AGENT_MIN_UID, CAIRN_AGENT_ALLOWED_USERS, CAIRN_AGENT_DENIED_USERS.
 */
export interface RunAsPolicy {
  /** The lowest uid a job may run as (system accounts lie below; default 1000). */
  minUid: number;
  /** When not empty, only these users. */
  allowed: readonly string[];
  /** Never these users (wins over `allowed`). */
  denied: readonly string[];
}

/** A person's passwd entry as getent gives it, and their primary group's name. */
export interface PasswdUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** One `getent passwd` line with its home directory. */
export function parsePasswdHome(line: string): PasswdUser | undefined {
  const entry = parsePasswdEntry(line);
  if (!entry) return undefined;
  const home = line.trim().split(':')[5] ?? '';
  return { ...entry, home };
}

/** The overflow uid and gid (nobody, nogroup): files of unmapped owners show it, so no job may run as it. */
const NOBODY = 65534;

const refuse = (user: string, why: string): never => {
  throw new CairnError('PERMISSION_DENIED', `this site does not run jobs as ${JSON.stringify(user)}: ${why}`);
};

/**
 * Whether a job may run as `wanted` (the user found for `name`, or undefined). A
 * permanent refusal (PERMISSION_DENIED naming the user and the rule) for: no such user,
 * uid 0, primary group 0, a uid below the minimum, a denied user, a user not on a
 * non-empty allow list, and (an agent that is not root) anyone but the agent itself.
 */
export function checkRunAsUser(
  name: string,
  wanted: PasswdUser | undefined,
  group: { name: string; gid: number } | undefined,
  policy: RunAsPolicy,
  agent: AgentIdentity,
): JobUser & { home: string } {
  if (!wanted || wanted.name !== name) return refuse(name, 'no such user on this site (getent passwd knows none)');
  if (wanted.uid === 0) return refuse(name, 'that is root (uid 0), and jobs never run as root');
  if (wanted.gid === 0) return refuse(name, 'their primary group is root (gid 0), and jobs never run as root');
  if (wanted.uid === NOBODY || wanted.gid === NOBODY) return refuse(name, `uid or gid ${NOBODY} is the kernel's overflow id ("nobody"), never a person`);
  if (wanted.uid < policy.minUid) return refuse(name, `uid ${wanted.uid} is below CAIRN_AGENT_MIN_UID (${policy.minUid}): a system account`);
  if (policy.denied.includes(name)) return refuse(name, 'the user is listed in CAIRN_AGENT_DENIED_USERS');
  if (policy.allowed.length > 0 && !policy.allowed.includes(name)) return refuse(name, 'the user is not listed in CAIRN_AGENT_ALLOWED_USERS');
  if (!group) return refuse(name, `their primary group ${wanted.gid} does not exist`);
  if (agent.uid !== 0 && agent.uid !== wanted.uid) {
    throw new CairnError('FAILED_PRECONDITION', `the agent of this site runs as uid ${agent.uid}, not root: it cannot run jobs as ${JSON.stringify(name)}`);
  }
  return { name: wanted.name, uid: wanted.uid, group: group.name, gid: group.gid, switchUser: agent.uid === 0, home: wanted.home };
}

/**
 * Looks people up with getent (so LDAP/NSS users count) and checks them (checkRunAsUser).
 * Answers are kept for `ttlMs` (a refusal too), so a poll or a burst of submissions costs
 * at most two getent runs per person per TTL; a user removed or changed is seen after it.
 */
export class RunAsUsers {
  private readonly people: TtlMemo<string, { user: JobUser & { home: string } } | { error: CairnError }>;
  private readonly names: TtlMemo<number, string>;

  constructor(
    private readonly processes: ProcessRepository,
    private readonly policy: RunAsPolicy,
    private readonly agent: AgentIdentity,
    ttlMs: number,
    private readonly options: { now?: () => number; reach?: PersonReach } = {},
  ) {
    this.people = new TtlMemo(ttlMs, options.now);
    this.names = new TtlMemo(ttlMs, options.now);
  }

  /**
   * resolve(), for a job about to run as the person: also refused (FAILED_PRECONDITION naming
   * the directory) when their jobs could not reach the agent's directories (PersonReach).
   */
  async resolveForJob(name: string): Promise<JobUser & { home: string }> {
    const user = await this.resolve(name);
    await this.options.reach?.check(user);
    return user;
  }

  /** The checked user, or a CairnError (PERMISSION_DENIED, FAILED_PRECONDITION) thrown. */
  async resolve(name: string): Promise<JobUser & { home: string }> {
    const result = await this.people.get(name, () => this.lookUp(name));
    if ('error' in result) throw result.error;
    return result.user;
  }

  /** The person who owns a uid (a directory the agent handed them), checked like resolve(). */
  async byUid(uid: number): Promise<JobUser & { home: string }> {
    const name = await this.names.get(uid, async () => {
      const passwd = await this.processes.run('getent', ['passwd', '--', String(uid)], { timeoutMs: 30_000 });
      if (passwd.exitCode !== 0 && passwd.exitCode !== 2) throw new CairnError('UNAVAILABLE', `getent passwd failed (exit ${passwd.exitCode})`);
      const entry = passwd.exitCode === 0 ? parsePasswdEntry(passwd.stdout.split('\n')[0] ?? '') : undefined;
      if (!entry || entry.uid !== uid) throw new CairnError('PERMISSION_DENIED', `uid ${uid} is no user on this site`);
      return entry.name;
    });
    const user = await this.resolve(name);
    if (user.uid !== uid) throw new CairnError('PERMISSION_DENIED', `uid ${uid} is no longer ${name}'s`);
    return user;
  }

  private async lookUp(name: string): Promise<{ user: JobUser & { home: string } } | { error: CairnError }> {
    // getent answers a numeric id too: only a name that looks like one is asked (the contract's pattern).
    if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(name)) return { error: new CairnError('INVALID_ARGUMENT', `invalid user name ${JSON.stringify(name)}`) };
    const passwd = await this.processes.run('getent', ['passwd', '--', name], { timeoutMs: 30_000 });
    // Exit 2: no such user. Anything else but 0 (NSS down): a transient error, not a refusal.
    if (passwd.exitCode !== 0 && passwd.exitCode !== 2) throw new CairnError('UNAVAILABLE', `getent passwd failed (exit ${passwd.exitCode})`);
    const wanted = passwd.exitCode === 0 ? parsePasswdHome(passwd.stdout.split('\n')[0] ?? '') : undefined;
    const groupResult = wanted ? await this.processes.run('getent', ['group', '--', String(wanted.gid)], { timeoutMs: 30_000 }) : undefined;
    const group = groupResult?.exitCode === 0 ? parseGroupEntry(groupResult.stdout.split('\n')[0] ?? '') : undefined;
    try {
      return { user: checkRunAsUser(name, wanted, group, this.policy, this.agent) };
    } catch (error) {
      if (error instanceof CairnError) return { error };
      throw error;
    }
  }
}
