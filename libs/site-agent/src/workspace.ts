import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RUN_PATH, UUID_PATTERN, type WorkflowRunDir } from '@cairn/contracts';
import type { JobFilesystem } from './job-fs';

/** Where an attempt's own workspace and a workflow run's directory appear in the container. */
export const WORK_MOUNT = '/cairn/work';
export const RUN_MOUNT = '/cairn/run';


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
  if (!UUID_PATTERN.test(run.id)) throw new Error(`invalid workflow run id ${JSON.stringify(run.id)}`);
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
 * when `indices` is given). The first directory below the base (the attempt's `work`, or
 * the run's directory) lies in a directory only the agent writes: the agent creates it and
 * hands it to the job user. Everything below it is the job's tree, so it is created as the
 * job user (see JobFilesystem), then checked: each segment must be a real directory, so a
 * symbolic link left in the run by an earlier step is refused with a clear reason.
 */
export async function createWorkspace(workspace: Workspace, attemptDir: string, fs: JobFilesystem, indices?: readonly number[]): Promise<void> {
  await fs.jobDir(join(attemptDir, 'work'));
  const [top, ...below] = workspace.segments();
  if (top === undefined || workspace.base === attemptDir) return;
  const topDir = join(workspace.base, top);
  await mkdir(workspace.base, { recursive: true });
  await fs.jobDir(topDir);
  const paths = [below, ...(indices ?? []).map((index) => workspace.segments(index).slice(1))];
  // Refuse links and files before creating anything through them, and check again after.
  await checkBelow(topDir, paths);
  await fs.mkdirsAsJob(paths.filter((segments) => segments.length > 0).map((segments) => join(topDir, ...segments)));
  await checkBelow(topDir, paths, true);
}

/** Paths walked at once by checkBelow (the directories they share are looked at once). */
const CHECK_BATCH = 64;

/**
 * For each path, every existing segment below `base` is a real directory (with `complete`,
 * every segment exists). Each directory is looked at once however many paths share it (the
 * step directory above a sweep's 10,000 item directories), and paths are walked a batch at
 * a time: sequential awaited lstat calls cost 60-90 µs each here, 0.3 s for a 1,000-item step.
 */
async function checkBelow(base: string, paths: readonly (readonly string[])[], complete = false): Promise<void> {
  const looked = new Map<string, Promise<boolean>>();
  const isDirectory = (dir: string): Promise<boolean> => {
    let found = looked.get(dir);
    if (!found) {
      found = lstat(dir).then(
        (stats) => {
          if (stats.isSymbolicLink()) throw new Error(`${dir} is a symbolic link, not a directory`);
          if (!stats.isDirectory()) throw new Error(`${dir} exists and is not a directory`);
          return true;
        },
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT' && !complete) return false;
          throw error;
        },
      );
      looked.set(dir, found);
    }
    return found;
  };
  const walk = async (segments: readonly string[]): Promise<void> => {
    let dir = base;
    for (const segment of segments) {
      dir = join(dir, segment);
      if (!(await isDirectory(dir))) return;
    }
  };
  for (let i = 0; i < paths.length; i += CHECK_BATCH) await Promise.all(paths.slice(i, i + CHECK_BATCH).map(walk));
}

function checkIndex(index: number): number {
  if (!Number.isSafeInteger(index) || index < 0) throw new Error(`invalid item index ${index}`);
  return index;
}
