import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessRepository } from '@cairn/adapters/process';
import { testEnv } from '@cairn/testing';
import { JobFilesystem } from '../src/job-fs';
import { resolveJobUser } from '../src/job-user';
import { createWorkspace, workspaceFor } from '../src/workspace';

const RUN = '7a0e5c1d-0000-4000-8000-0000000000aa';

describe('JobFilesystem as root [real: setpriv, mkdir, the job user]', () => {
  const processes = new ProcessRepository();
  const setup = async () => {
    const user = await resolveJobUser(testEnv().jobUser, processes, { uid: process.getuid?.() ?? -1 });
    const root = mkdtempSync(join(tmpdir(), 'job-fs-'));
    chmodSync(root, 0o711);
    mkdirSync(join(root, 'attempt'), { mode: 0o711 });
    return { user, root, fs: new JobFilesystem(user, processes) };
  };

  it('hands the job its directories and creates the rest of its tree as the job user', async () => {
    const { user, root, fs } = await setup();
    expect(user.switchUser).toBe(true);
    const ws = workspaceFor(join(root, 'attempt'), join(root, 'runs'), { id: RUN, stepDir: 'sweep/iter-1' });
    await createWorkspace(ws, join(root, 'attempt'), fs, [0, 7, 12]);
    for (const path of [join(root, 'attempt', 'work'), join(root, 'runs', RUN), join(root, 'runs', RUN, 'sweep', 'iter-1', '7')]) {
      expect({ path, uid: lstatSync(path).uid }).toEqual({ path, uid: user.uid });
    }
    expect(lstatSync(join(root, 'attempt', 'work')).mode & 0o777).toBe(0o700);
    expect(lstatSync(join(root, 'runs')).uid).toBe(0);
  });

  it('creates nothing through a link a job planted, even where the agent itself could write', async () => {
    const { root, fs } = await setup();
    // A directory only root may write: what the agent's privileges could reach.
    const agentOnly = join(root, 'agent-only');
    mkdirSync(agentOnly, { mode: 0o755 });
    const ws = workspaceFor(join(root, 'attempt'), join(root, 'runs'), { id: RUN, stepDir: 'learn/train' });
    await createWorkspace(workspaceFor(join(root, 'attempt'), join(root, 'runs'), { id: RUN, stepDir: 'x' }), join(root, 'attempt'), fs);
    // The job (as the job user) replaces a step directory with a link.
    execFileSync('setpriv', [`--reuid=${testEnv().jobUser}`, `--regid=${testEnv().jobUser}`, '--clear-groups', '--', 'ln', '-s', agentOnly, join(root, 'runs', RUN, 'learn')]);
    await expect(createWorkspace(ws, join(root, 'attempt'), fs)).rejects.toThrow(/learn is a symbolic link, not a directory/);
    // Even unchecked, the job user's mkdir cannot create there.
    await expect(fs.mkdirsAsJob([join(root, 'runs', RUN, 'learn', 'train')])).rejects.toThrow(/Permission denied/);
    expect(readdirSync(agentOnly)).toEqual([]);
    expect(existsSync(join(agentOnly, 'train'))).toBe(false);
  });
});
