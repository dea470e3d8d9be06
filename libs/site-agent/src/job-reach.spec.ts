import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ProcessRepository } from '@cairn/adapters/process';
import { CairnError } from '@cairn/contracts';
import { canSearch, checkReachableByJobs, jobUserGroups, PersonReach } from './job-reach';
import { JobUserError } from './job-user';

const user = { name: 'cairn-job', uid: 999, group: 'cairn-job', gid: 995, switchUser: true };

/** A fresh directory for each test (0711: anyone may pass, nobody list), removed after it. */
function scratchDirectory(): { readonly dir: string } {
  const scratch = { dir: '' };
  beforeEach(() => {
    scratch.dir = mkdtempSync(join(tmpdir(), 'job-reach-'));
    chmodSync(scratch.dir, 0o711);
  });
  afterEach(() => rmSync(scratch.dir, { recursive: true, force: true }));
  return scratch;
}

/** `<dir>/shared/agent`, where only group 4242 may pass through `shared` (0750, root's). */
function groupOnly(dir: string): { shared: string; work: string } {
  const shared = join(dir, 'shared');
  const work = join(shared, 'agent');
  mkdirSync(work, { recursive: true, mode: 0o755 });
  chownSync(shared, 0, 4242);
  chmodSync(shared, 0o750);
  return { shared, work };
}

describe('canSearch (the kernel\'s rule for passing through a directory)', () => {
  it('uses exactly one class of bits: the owner\'s, else the group\'s, else the others\'; root always passes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0o777 }), fc.constantFrom('owner', 'group', 'other'), (mode, relation) => {
        const dir = { uid: relation === 'owner' ? 999 : 0, gid: relation === 'group' ? 4242 : 0, mode };
        const bit = relation === 'owner' ? 0o100 : relation === 'group' ? 0o010 : 0o001;
        expect(canSearch(dir, { uid: 999, groups: [995, 4242].filter((g) => relation === 'group' || g !== 4242) })).toBe((mode & bit) !== 0);
        expect(canSearch(dir, { uid: 0, groups: [0] })).toBe(true);
      }),
    );
  });

  it('does not let the others\' bits help an owner or a group member the narrower class shuts out', () => {
    expect(canSearch({ uid: 999, gid: 0, mode: 0o071 }, { uid: 999, groups: [995] })).toBe(false);
    expect(canSearch({ uid: 0, gid: 995, mode: 0o701 }, { uid: 999, groups: [995] })).toBe(false);
  });
});

describe('checkReachableByJobs [real: filesystem]', () => {
  const scratch = scratchDirectory();

  it('accepts a work directory every directory above which the job user may pass through, and one not made yet', async () => {
    const work = join(scratch.dir, 'data', 'agent', 'dev');
    mkdirSync(work, { recursive: true, mode: 0o755 });
    await expect(checkReachableByJobs('CAIRN_AGENT_WORK_DIR', work, user, [995])).resolves.toBeUndefined();
    await expect(checkReachableByJobs('CAIRN_AGENT_RUNS_DIR', join(work, 'runs', 'later'), user, [995])).resolves.toBeUndefined();
  });

  it('refuses one under a 0700 directory (a data directory made private), naming the directory and the fix', async () => {
    const data = join(scratch.dir, 'data');
    const work = join(data, 'agent', 'dev');
    mkdirSync(work, { recursive: true, mode: 0o755 });
    chmodSync(data, 0o700);
    const refusal = checkReachableByJobs('CAIRN_AGENT_WORK_DIR', work, user, [995]);
    await expect(refusal).rejects.toThrow(JobUserError);
    await expect(refusal).rejects.toThrow(
      `CAIRN_AGENT_WORK_DIR: the job user cairn-job cannot reach ${work}: ${data} is mode 700 (owner uid 0, group 0), so no job could open its output there (chmod o+x ${data}, or choose another directory)`,
    );
  });

  it('lets a group the job user is in open the way, and not a group it is not in', async () => {
    const { work } = groupOnly(scratch.dir);
    await expect(checkReachableByJobs('CAIRN_AGENT_WORK_DIR', work, user, [995, 4242])).resolves.toBeUndefined();
    await expect(checkReachableByJobs('CAIRN_AGENT_WORK_DIR', work, user, [995])).rejects.toThrow(/shared is mode 750 \(owner uid 0, group 4242\)/);
  });
});

describe('jobUserGroups [real: id]', () => {
  it('lists the user\'s groups with its primary group, and falls back to the primary group alone', async () => {
    const processes = new ProcessRepository();
    expect(await jobUserGroups({ ...user, name: 'root', uid: 0, gid: 0 }, processes)).toContain(0);
    expect(await jobUserGroups({ ...user, name: 'no-such-user-here' }, processes)).toEqual([995]);
  });
});

describe('PersonReach (each person a job runs as) [real: filesystem, id]', () => {
  const scratch = scratchDirectory();

  // Not on this machine: `id` cannot tell, so the primary group alone counts (jobUserGroups).
  const member = { name: 'no-such-user-here', uid: 2001, group: 'lab', gid: 4242, switchUser: true };
  const outsider = { ...member, uid: 2002, gid: 4243 };

  it('refuses a person outside the group a directory lets through (FAILED_PRECONDITION naming it), lets a member through, and keeps each answer for the TTL', async () => {
    const { shared, work } = groupOnly(scratch.dir);
    const clock = { now: 0 };
    const reach = new PersonReach(new ProcessRepository(), [{ setting: 'CAIRN_AGENT_RUNS_DIR', path: join(scratch.dir, 'runs') }, { setting: 'CAIRN_AGENT_WORK_DIR', path: work }], 60_000, () => clock.now);
    await expect(reach.check(member)).resolves.toBeUndefined();
    const refused = reach.check(outsider);
    await expect(refused).rejects.toThrow(CairnError);
    await expect(refused).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: `jobs cannot run as no-such-user-here on this site: CAIRN_AGENT_WORK_DIR: no-such-user-here cannot reach ${work}: ${shared} is mode 750 (owner uid 0, group 4242), so no job could open its output there (chmod o+x ${shared}, or choose another directory)`,
    });
    // Fixed, then broken for the member: both seen only once the TTL has passed.
    chmodSync(shared, 0o751);
    await expect(reach.check(outsider)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    chmodSync(shared, 0o700);
    await expect(reach.check(member)).resolves.toBeUndefined();
    clock.now = 60_000;
    await expect(reach.check(member)).rejects.toThrow(/cannot run as no-such-user-here on this site: CAIRN_AGENT_WORK_DIR: .* is mode 700/);
    chmodSync(shared, 0o751);
    await expect(reach.check(outsider)).resolves.toBeUndefined();
  });
});
