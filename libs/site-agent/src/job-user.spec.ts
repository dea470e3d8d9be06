import { chmodSync, chownSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessRepository } from '@cairn/adapters/process';
import { checkJobUser, checkNotReadableByJobs, JobUserError, parseGroupEntry, parsePasswdEntry, resolveJobUser } from './job-user';

const jobUser = { name: 'cairn-job', uid: 999, gid: 995 };
const group = { name: 'cairn-job', gid: 995 };

describe('checkJobUser (the agent refuses to start with a job user it must not use)', () => {
  it.each<[string, Parameters<typeof checkJobUser>, RegExp]>([
    ['a missing user', ['nobody-here', undefined, undefined, { uid: 0 }], /^CAIRN_AGENT_JOB_USER is "nobody-here": no such user on this host/],
    ['root', ['root', { name: 'root', uid: 0, gid: 0 }, { name: 'root', gid: 0 }, { uid: 0 }], /that is root \(uid 0\), and jobs never run as root$/],
    ['another name for uid 0', ['toor', { name: 'toor', uid: 0, gid: 5 }, { name: 'g', gid: 5 }, { uid: 0 }], /that is root \(uid 0\)/],
    ['a user whose primary group is root', ['ops', { name: 'ops', uid: 1000, gid: 0 }, { name: 'root', gid: 0 }, { uid: 0 }], /primary group is root \(gid 0\)/],
    ['a user without its group', ['ops', { name: 'ops', uid: 1000, gid: 1234 }, undefined, { uid: 0 }], /primary group 1234 does not exist/],
    ['another user when the agent is not root', ['cairn-job', jobUser, group, { uid: 1000 }], /the agent runs as uid 1000, not root: it can only run jobs as itself/],
  ])('refuses %s with one line naming the setting', (_what, args, message) => {
    expect(() => checkJobUser(...args)).toThrow(JobUserError);
    expect(() => checkJobUser(...args)).toThrow(message);
  });

  it('switches user when the agent is root, and not when the agent is the job user itself', () => {
    expect(checkJobUser('cairn-job', jobUser, group, { uid: 0 })).toEqual({ name: 'cairn-job', uid: 999, group: 'cairn-job', gid: 995, switchUser: true });
    expect(checkJobUser('cairn-job', jobUser, group, { uid: 999 })).toMatchObject({ switchUser: false });
  });

  it('parses getent lines and refuses malformed ones', () => {
    expect(parsePasswdEntry('cairn-job:x:999:995::/nonexistent:/usr/sbin/nologin\n')).toEqual(jobUser);
    expect(parsePasswdEntry('broken:x::995::/:/bin/sh')).toBeUndefined();
    expect(parsePasswdEntry('')).toBeUndefined();
    expect(parseGroupEntry('cairn-job:x:995:\n')).toEqual(group);
    expect(parseGroupEntry('g:x:abc:')).toBeUndefined();
  });
});

describe('resolveJobUser [real: getent]', () => {
  const processes = new ProcessRepository();
  it('refuses root and a user that does not exist, whatever the agent is', async () => {
    await expect(resolveJobUser('root', processes, { uid: 0 })).rejects.toThrow(/that is root \(uid 0\)/);
    await expect(resolveJobUser('0', processes, { uid: 0 })).rejects.toThrow(/that is root \(uid 0\)/);
    await expect(resolveJobUser('no-such-user-cairn', processes, { uid: 0 })).rejects.toThrow(/no such user on this host/);
    await expect(resolveJobUser('--help', processes, { uid: 0 })).rejects.toThrow(/no such user on this host/);
  });
});

describe('checkNotReadableByJobs [real: filesystem]', () => {
  const user = { name: 'cairn-job', uid: 999, group: 'cairn-job', gid: 995, switchUser: true };
  const file = (mode: number, owner?: { uid: number; gid: number }) => {
    const path = join(mkdtempSync(join(tmpdir(), 'agent-config-')), 'agent.yaml');
    writeFileSync(path, 'natsPassword: s3cret\n');
    chmodSync(path, mode);
    if (owner) chownSync(path, owner.uid, owner.gid);
    return path;
  };

  it.each([
    ['readable by everyone', 0o644, undefined],
    ['readable by the job user’s group', 0o640, { uid: 0, gid: 995 }],
    ['owned by the job user', 0o600, { uid: 999, gid: 0 }],
  ])('refuses a config file %s, naming CAIRN_CONFIG', async (_what, mode, owner) => {
    await expect(checkNotReadableByJobs(file(mode, owner), user)).rejects.toThrow(/^CAIRN_CONFIG: .*agent\.yaml \(mode 6[04][04]\) can be read by the job user cairn-job/);
  });

  it('accepts a file only the agent reads', async () => {
    await expect(checkNotReadableByJobs(file(0o600, { uid: 0, gid: 0 }), user)).resolves.toBeUndefined();
    await expect(checkNotReadableByJobs(file(0o640, { uid: 0, gid: 0 }), user)).resolves.toBeUndefined();
  });
});
