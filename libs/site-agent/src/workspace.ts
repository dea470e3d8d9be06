import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RUN_PATH, type WorkflowRunDir } from '@cairn/contracts';

/** Where an attempt's own workspace and a workflow run's directory appear in the container. */
export const WORK_MOUNT = '/cairn/work';
export const RUN_MOUNT = '/cairn/run';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The directories an attempt's command sees. Every attempt gets its own workspace
 * (<attempt>/work at /cairn/work). An attempt of a workflow run also gets the run's
 * directory (<runsRoot>/<run id> at /cairn/run) and runs in /cairn/run/<stepDir>; an array
 * item runs in /cairn/run/<stepDir>/<index>, so items never share a working directory.
 * Without a run, every command (and every item) runs in /cairn/work, as before.
 */
export interface Workspace {
  binds: { source: string; target: string }[];
  /** Working directory in the container: the job's, or item `index`'s. */
  containerDir(index?: number): string;
  /** The host directory behind containerDir(index); it must exist before the job starts. */
  hostDir(index?: number): string;
  /** Host directory under which the agent creates directories, and the path below it. */
  readonly base: string;
  segments(index?: number): string[];
}

export function workspaceFor(attemptDir: string, runsRoot: string, run: WorkflowRunDir | undefined): Workspace {
  if (!run) {
    return {
      binds: [{ source: join(attemptDir, 'work'), target: WORK_MOUNT }],
      containerDir: () => WORK_MOUNT,
      hostDir: () => join(attemptDir, 'work'),
      base: attemptDir,
      segments: () => ['work'],
    };
  }
  // The contract already checked both; checked again because they become host paths.
  if (!UUID.test(run.id)) throw new Error(`invalid workflow run id ${JSON.stringify(run.id)}`);
  if (!RUN_PATH.test(run.stepDir)) throw new Error(`invalid step directory ${JSON.stringify(run.stepDir)}`);
  const sub = (index?: number) => (index === undefined ? run.stepDir : `${run.stepDir}/${checkIndex(index)}`);
  const runDir = join(runsRoot, run.id);
  return {
    binds: [
      { source: join(attemptDir, 'work'), target: WORK_MOUNT },
      { source: runDir, target: RUN_MOUNT },
    ],
    containerDir: (index) => `${RUN_MOUNT}/${sub(index)}`,
    hostDir: (index) => join(runDir, sub(index)),
    base: runsRoot,
    segments: (index) => [run.id, ...sub(index).split('/')],
  };
}

/**
 * Creates the attempt's workspace and the directory each command starts in (one per item
 * when `indices` is given). The path below the base is created one segment at a time and
 * each segment must be a real directory: a symbolic link left in the run by an earlier
 * step cannot lead the agent to create directories outside the run.
 */
export async function createWorkspace(workspace: Workspace, attemptDir: string, indices?: readonly number[]): Promise<void> {
  await mkdir(join(attemptDir, 'work'), { recursive: true });
  await mkdir(workspace.base, { recursive: true });
  const parent = workspace.segments();
  await mkdirBelow(workspace.base, parent);
  for (const index of indices ?? []) {
    const segments = workspace.segments(index);
    await mkdirBelow(join(workspace.base, ...parent), segments.slice(parent.length));
  }
}

async function mkdirBelow(base: string, segments: readonly string[]): Promise<void> {
  let dir = base;
  for (const segment of segments) {
    dir = join(dir, segment);
    try {
      await mkdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const stats = await lstat(dir);
    if (stats.isSymbolicLink()) throw new Error(`${dir} is a symbolic link, not a directory`);
    if (!stats.isDirectory()) throw new Error(`${dir} exists and is not a directory`);
  }
}

function checkIndex(index: number): number {
  if (!Number.isSafeInteger(index) || index < 0) throw new Error(`invalid item index ${index}`);
  return index;
}
