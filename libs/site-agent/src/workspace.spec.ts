import { mkdirSync, mkdtempSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProcessRepository } from '@cairn/adapters/process';
import { strictMock } from '@cairn/testing';
import { JobFilesystem } from './job-fs';
import { createWorkspace, workspaceFor } from './workspace';

/** The agent as its own job user: directories are made directly (the root case: test/job-fs.int-spec.ts). */
const fs = new JobFilesystem({ name: 'me', uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, group: 'me', switchUser: false }, strictMock<ProcessRepository>({}));

const RUN = '7a0e5c1d-0000-4000-8000-0000000000aa';

describe('workspaceFor', () => {
  it('without a run: only the attempt workspace, at /cairn/work, for the job and every item', () => {
    const ws = workspaceFor('/agent/attempts/a1', '/runs', undefined);
    expect(ws.binds).toEqual([{ source: '/agent/attempts/a1/work', target: '/cairn/work' }]);
    expect([ws.containerDir(), ws.containerDir(7)]).toEqual(['/cairn/work', '/cairn/work']);
    expect(ws.hostDir(7)).toBe('/agent/attempts/a1/work');
  });

  it('with a run: binds <runs>/<run id> at /cairn/run too and starts in the step directory (an item in <step>/<index>)', () => {
    const ws = workspaceFor('/agent/attempts/a1', '/shared/runs', { id: RUN, stepDir: 'learn/iter-1/train' });
    expect(ws.binds).toEqual([
      { source: '/agent/attempts/a1/work', target: '/cairn/work' },
      { source: `/shared/runs/${RUN}`, target: '/cairn/run' },
    ]);
    expect(ws.containerDir()).toBe('/cairn/run/learn/iter-1/train');
    expect(ws.containerDir(40)).toBe('/cairn/run/learn/iter-1/train/40');
    expect(ws.hostDir()).toBe(`/shared/runs/${RUN}/learn/iter-1/train`);
    expect(ws.hostDir(0)).toBe(`/shared/runs/${RUN}/learn/iter-1/train/0`);
  });

  it('refuses a run id or step directory that would not be a safe host path, and a bad item index', () => {
    expect(() => workspaceFor('/a', '/runs', { id: '../etc', stepDir: 'x' })).toThrow(/invalid workflow run id/);
    expect(() => workspaceFor('/a', '/runs', { id: RUN, stepDir: '../x' })).toThrow(/invalid step directory/);
    expect(() => workspaceFor('/a', '/runs', { id: RUN, stepDir: '/abs' })).toThrow(/invalid step directory/);
    expect(() => workspaceFor('/a', '/runs', { id: RUN, stepDir: 'a/.hidden' })).toThrow(/invalid step directory/);
    const ws = workspaceFor('/a', '/runs', { id: RUN, stepDir: 's' });
    expect(() => ws.containerDir(-1)).toThrow(/invalid item index -1/);
    expect(() => ws.containerDir(1.5)).toThrow(/invalid item index 1.5/);
  });
});

describe('createWorkspace [real: filesystem]', () => {
  const setup = () => {
    const root = mkdtempSync(join(tmpdir(), 'workspace-'));
    mkdirSync(join(root, 'attempt'));
    return { attemptDir: join(root, 'attempt'), runs: join(root, 'runs'), root };
  };

  it('creates the workspace, the step directory and one directory per item index, and may run again', async () => {
    const { attemptDir, runs } = setup();
    const ws = workspaceFor(attemptDir, runs, { id: RUN, stepDir: 'a/b' });
    await createWorkspace(ws, attemptDir, fs, [3, 17, 40]);
    await createWorkspace(ws, attemptDir, fs, [3, 17, 40]);
    expect(statSync(join(attemptDir, 'work')).isDirectory()).toBe(true);
    expect(readdirSync(join(runs, RUN, 'a', 'b')).sort()).toEqual(['17', '3', '40']);
  });

  it('refuses an item directory that is a symbolic link or a file, creating nothing through it', async () => {
    const { attemptDir, runs, root } = setup();
    const outside = join(root, 'outside');
    mkdirSync(outside);
    mkdirSync(join(runs, RUN, 's'), { recursive: true });
    symlinkSync(outside, join(runs, RUN, 's', '17'));
    const ws = workspaceFor(attemptDir, runs, { id: RUN, stepDir: 's' });
    await expect(createWorkspace(ws, attemptDir, fs, [3, 17])).rejects.toThrow(`${join(runs, RUN, 's', '17')} is a symbolic link, not a directory`);
    writeFileSync(join(runs, RUN, 's', '40'), 'x');
    await expect(createWorkspace(ws, attemptDir, fs, [40])).rejects.toThrow('exists and is not a directory');
    expect(readdirSync(outside)).toEqual([]);
  });

  it('checks every item of a big step, past the first batch: a link at item 150 of 200 is refused before any directory is made', async () => {
    const { attemptDir, runs, root } = setup();
    const outside = join(root, 'outside');
    mkdirSync(outside);
    mkdirSync(join(runs, RUN, 'sweep'), { recursive: true });
    symlinkSync(outside, join(runs, RUN, 'sweep', '150'));
    const ws = workspaceFor(attemptDir, runs, { id: RUN, stepDir: 'sweep' });
    const items = Array.from({ length: 200 }, (_, i) => i);
    await expect(createWorkspace(ws, attemptDir, fs, items)).rejects.toThrow(`${join(runs, RUN, 'sweep', '150')} is a symbolic link, not a directory`);
    expect(readdirSync(join(runs, RUN, 'sweep'))).toEqual(['150']);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('refuses a step directory below a symbolic link', async () => {
    const { attemptDir, runs, root } = setup();
    mkdirSync(join(root, 'elsewhere'));
    mkdirSync(join(runs, RUN), { recursive: true });
    symlinkSync(join(root, 'elsewhere'), join(runs, RUN, 'learn'));
    const ws = workspaceFor(attemptDir, runs, { id: RUN, stepDir: 'learn/train' });
    await expect(createWorkspace(ws, attemptDir, fs)).rejects.toThrow(/learn is a symbolic link/);
    expect(readdirSync(join(root, 'elsewhere'))).toEqual([]);
  });
});
