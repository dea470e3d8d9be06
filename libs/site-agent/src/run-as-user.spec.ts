import fc from 'fast-check';
import type { ProcessRepository, RunResult } from '@cairn/adapters/process';
import { buildSbatchArgs } from '@cairn/adapters/slurm';
import { CairnError, submitAttemptCommand } from '@cairn/contracts';
import { loadConfig } from '@cairn/config';
import { strictMock } from '@cairn/testing';
import { agentSettings } from './agent-settings';
import type { PersonReach } from './job-reach';
import type { JobUser } from './job-user';
import { checkRunAsUser, type PasswdUser, parsePasswdHome, type RunAsPolicy, RunAsUsers } from './run-as-user';

const policy: RunAsPolicy = { minUid: 1000, allowed: [], denied: [] };
const root = { uid: 0 };
const alice: PasswdUser = { name: 'alice', uid: 1001, gid: 1001, home: '/home/alice' };
const aliceGroup = { name: 'alice', gid: 1001 };

function refusal(run: () => unknown): { code: string; message: string } | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof CairnError) return { code: error.code, message: error.message };
    throw error;
  }
  return undefined;
}

describe('checkRunAsUser (whom a job may run as)', () => {
  it('accepts a person at or above the minimum uid, with their group and home', () => {
    expect(checkRunAsUser('alice', alice, aliceGroup, policy, root)).toEqual({ name: 'alice', uid: 1001, gid: 1001, group: 'alice', switchUser: true, home: '/home/alice' });
  });

  it.each([
    ['no such user', 'alice', undefined, aliceGroup, policy, /"alice": no such user on this site/],
    ['another name for the uid', 'alice', { ...alice, name: 'alias' }, aliceGroup, policy, /no such user/],
    ['root', 'root', { name: 'root', uid: 0, gid: 0, home: '/root' }, { name: 'root', gid: 0 }, policy, /"root": that is root \(uid 0\)/],
    ['primary group 0', 'alice', { ...alice, gid: 0 }, { name: 'root', gid: 0 }, policy, /primary group is root \(gid 0\)/],
    ['a system user', 'daemon', { name: 'daemon', uid: 1, gid: 1, home: '/usr/sbin' }, { name: 'daemon', gid: 1 }, policy, /uid 1 is below CAIRN_AGENT_MIN_UID \(1000\)/],
    ['just below the minimum', 'alice', alice, aliceGroup, { ...policy, minUid: 1002 }, /uid 1001 is below CAIRN_AGENT_MIN_UID \(1002\)/],
    ['nobody (the overflow id)', 'nobody', { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent' }, { name: 'nogroup', gid: 65534 }, policy, /overflow id \("nobody"\)/],
    ['a denied user', 'alice', alice, aliceGroup, { ...policy, denied: ['alice'] }, /listed in CAIRN_AGENT_DENIED_USERS/],
    ['denied wins over allowed', 'alice', alice, aliceGroup, { ...policy, allowed: ['alice'], denied: ['alice'] }, /DENIED/],
    ['not on the allow list', 'alice', alice, aliceGroup, { ...policy, allowed: ['bob'] }, /not listed in CAIRN_AGENT_ALLOWED_USERS/],
    ['a missing primary group', 'alice', alice, undefined, policy, /primary group 1001 does not exist/],
  ])('refuses %s with PERMISSION_DENIED naming the user and the rule', (_case, name, wanted, group, rules, why) => {
    const refused = refusal(() => checkRunAsUser(name, wanted, group, rules, root));
    expect(refused?.code).toBe('PERMISSION_DENIED');
    expect(refused?.message).toMatch(/^this site does not run jobs as /);
    expect(refused?.message).toMatch(why);
  });

  it('accepts a user at exactly the minimum uid and one on the allow list', () => {
    expect(checkRunAsUser('alice', alice, aliceGroup, { ...policy, minUid: 1001, allowed: ['alice'] }, root).uid).toBe(1001);
  });

  it('an agent that is not root runs jobs as itself only (FAILED_PRECONDITION otherwise)', () => {
    expect(checkRunAsUser('alice', alice, aliceGroup, policy, { uid: 1001 }).switchUser).toBe(false);
    expect(refusal(() => checkRunAsUser('alice', alice, aliceGroup, policy, { uid: 1500 }))?.code).toBe('FAILED_PRECONDITION');
  });

  it('refuses every uid below the minimum and root, whatever the name (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 5000 }), (uid, gid) => {
        const refused = refusal(() => checkRunAsUser('u', { name: 'u', uid, gid, home: '/' }, { name: 'g', gid }, policy, root));
        return refused?.code === 'PERMISSION_DENIED';
      }),
      { numRuns: 200 },
    );
  });

  it('parses a passwd line with its home, and nothing from a malformed one', () => {
    expect(parsePasswdHome('alice:x:1001:1001:Alice,,,:/home/alice:/bin/bash\n')).toEqual(alice);
    expect(parsePasswdHome('alice:x:abc:1001::/home/alice:/bin/bash')).toBeUndefined();
    expect(parsePasswdHome('')).toBeUndefined();
  });
});

describe('RunAsUsers (getent, cached with a TTL)', () => {
  function users(answers: Record<string, RunResult>, clock: { now: number }, reach?: PersonReach) {
    const calls: string[][] = [];
    const processes = strictMock<ProcessRepository>(
      {
        run: async (file: string, args: readonly string[]) => {
          expect(file).toBe('getent');
          calls.push([...args]);
          return answers[args.join(' ')] ?? { exitCode: 2, stdout: '', stderr: '' };
        },
      },
      'ProcessRepository',
    );
    return { calls, users: new RunAsUsers(processes, policy, root, 60_000, { now: () => clock.now, ...(reach ? { reach } : {}) }) };
  }
  const passwd = { 'passwd -- alice': { exitCode: 0, stdout: 'alice:x:1001:1001::/home/alice:/bin/bash\n', stderr: '' }, 'group -- 1001': { exitCode: 0, stdout: 'alice:x:1001:\n', stderr: '' } };

  it('asks getent once per TTL, refusals included, and again after it', async () => {
    const clock = { now: 0 };
    const { calls, users: u } = users(passwd, clock);
    await u.resolve('alice');
    await u.resolve('alice');
    await expect(u.resolve('mallory')).rejects.toThrow(/"mallory": no such user/);
    await expect(u.resolve('mallory')).rejects.toThrow(/no such user/);
    expect(calls).toEqual([['passwd', '--', 'alice'], ['group', '--', '1001'], ['passwd', '--', 'mallory']]);
    clock.now = 60_000;
    await u.resolve('alice');
    expect(calls).toHaveLength(5);
  });

  it('finds the person who owns a uid, and checks them like a name', async () => {
    const { users: u } = users({ ...passwd, 'passwd -- 1001': passwd['passwd -- alice'], 'passwd -- 0': { exitCode: 0, stdout: 'root:x:0:0::/root:/bin/bash\n', stderr: '' }, 'passwd -- root': { exitCode: 0, stdout: 'root:x:0:0::/root:/bin/bash\n', stderr: '' } }, { now: 0 });
    expect((await u.byUid(1001)).name).toBe('alice');
    await expect(u.byUid(0)).rejects.toThrow(/"root": that is root/);
    await expect(u.byUid(4242)).rejects.toThrow(/uid 4242 is no user on this site/);
  });

  it('refuses a job for a person whose jobs cannot reach the agent\'s directories, and still answers for their files', async () => {
    const checked: string[] = [];
    const unreachable = new CairnError('FAILED_PRECONDITION', 'jobs cannot run as alice on this site: …');
    const reach = strictMock<PersonReach>(
      {
        check: async (user: JobUser) => {
          checked.push(user.name);
          throw unreachable;
        },
      },
      'PersonReach',
    );
    const { users: u } = users(passwd, { now: 0 }, reach);
    await expect(u.resolveForJob('alice')).rejects.toBe(unreachable);
    expect((await u.resolve('alice')).uid).toBe(1001);
    await expect(u.resolveForJob('mallory')).rejects.toThrow(/no such user/);
    expect(checked).toEqual(['alice']);
  });

  it('takes an NSS failure as transient (UNAVAILABLE), not a refusal', async () => {
    const { users: u } = users({ 'passwd -- alice': { exitCode: 1, stdout: '', stderr: 'nss down' } }, { now: 0 });
    await expect(u.resolve('alice')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('never asks getent about a name outside the POSIX pattern (a numeric id, an option)', async () => {
    const { calls, users: u } = users(passwd, { now: 0 });
    for (const name of ['0', '-x', 'Alice', 'a b', '../x']) await expect(u.resolve(name)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(calls).toEqual([]);
  });
});

describe('runAs on sbatch (hostile names, property)', () => {
  const base = {
    attemptId: '3f1c2b4a-0000-4000-8000-000000000001',
    jobId: '9f1c2b4a-0000-4000-8000-000000000009',
    spec: { name: 'j', image: 'i', command: ['x'], env: {}, resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 60 }, site: 'dev' },
    image: { reference: 'i', pinned: `r/i@sha256:${'a'.repeat(64)}`, digest: `sha256:${'a'.repeat(64)}` },
  };
  const job = { name: 'cairn-x', comment: 'cairn-x', scriptPath: '/a/job.sh', workDir: '/a/out', stdoutPath: '/a/out/stdout', stderrPath: '/a/out/stderr', cpus: 1, memoryMb: 64, timeLimitSeconds: 60 };

  it('a runAs the contract accepts becomes exactly --uid, --gid, --export=ALL and one --account argument; anything else is refused before sbatch', () => {
    const hostile = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.constantFrom('root', '0', '-u', 'a b', 'a\n#SBATCH --uid=0', '$(id)', 'alice;bob', 'alice-lab', 'x'.repeat(65), '.hidden', 'A.b_c-d'),
    );
    fc.assert(
      fc.property(hostile, hostile, (posixUser, account) => {
        const parsed = submitAttemptCommand.safeParse({ ...base, runAs: { posixUser, account } });
        if (!parsed.success) return true;
        const runAs = parsed.data.runAs as { posixUser: string; account: string };
        const args = buildSbatchArgs({ ...job, runAs: { user: runAs.posixUser, group: runAs.posixUser }, account: runAs.account });
        const accountArgs = args.filter((a) => a.startsWith('--account='));
        return (
          accountArgs.length === 1 &&
          accountArgs[0] === `--account=${account}` &&
          args.includes(`--uid=${posixUser}`) &&
          args.includes('--export=ALL') &&
          args.every((a) => !/[\s;$`'"\\]/.test(a)) &&
          args[args.length - 1] === job.scriptPath
        );
      }),
      { numRuns: 500 },
    );
  });
});

describe('agent settings for people (CAIRN_AGENT_MIN_UID, ALLOWED_USERS, DENIED_USERS, USER_CACHE_SECONDS)', () => {
  const base = { CAIRN_SITE: 'dev', CAIRN_AGENT_JOB_USER: 'cairn-job' };

  it('defaults to uid 1000, no lists and a minute of cache; reads comma-separated lists', () => {
    expect(loadConfig(agentSettings, { env: base })).toMatchObject({ minUid: 1000, allowedUsers: [], deniedUsers: [], userCacheSeconds: 60 });
    const config = loadConfig(agentSettings, { env: { ...base, CAIRN_AGENT_ALLOWED_USERS: 'alice, bob', CAIRN_AGENT_DENIED_USERS: 'carol', CAIRN_AGENT_MIN_UID: '2000' } });
    expect(config).toMatchObject({ minUid: 2000, allowedUsers: ['alice', 'bob'], deniedUsers: ['carol'] });
  });

  it('takes 10,000 names in a list and refuses 10,001', () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`).join(',');
    expect(loadConfig(agentSettings, { env: { ...base, CAIRN_AGENT_ALLOWED_USERS: names(10_000) } }).allowedUsers).toHaveLength(10_000);
    expect(() => loadConfig(agentSettings, { env: { ...base, CAIRN_AGENT_DENIED_USERS: names(10_001) } })).toThrow('CAIRN_AGENT_DENIED_USERS');
  });

  it.each([
    ['CAIRN_AGENT_ALLOWED_USERS', 'alice,$(id)'],
    ['CAIRN_AGENT_DENIED_USERS', 'Root'],
    ['CAIRN_AGENT_MIN_UID', '0'],
    ['CAIRN_AGENT_MIN_UID', 'x'],
    ['CAIRN_AGENT_USER_CACHE_SECONDS', '-1'],
  ])('refuses to start with %s=%s, naming the setting', (name, value) => {
    expect(() => loadConfig(agentSettings, { env: { ...base, [name]: value } })).toThrow(name);
  });
});
