import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { access, chmod, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessRepository } from '@cairn/adapters/process';
import { agentDir } from './job-fs';
import { loadWrapper } from './job-environment';

/**
 * One container start per array element (ADR 0016). The element's wrapper
 * (cairn-wrap-element.sh) starts the container once, with the item runner (cairn-items.c,
 * a static binary the agent builds, bound read-only into the container) as its command; the
 * runner runs the element's items one after another, each with its own argument vector,
 * working directory and CAIRN_ITEM_INDEX, and reports each to the wrapper, which records it
 * in `items-<k>.jsonl` as the per-item wrapper (cairn-wrap-array.sh) did.
 */
export const ELEMENT_WRAPPER_SCRIPT = loadWrapper('cairn-wrap-element.sh');

/** The item runner's C source, shipped beside this file. */
export const ITEM_RUNNER_SOURCE = readFileSync(join(__dirname, 'cairn-items.c'), 'utf8');

/** The runner's file name: its source's hash in it, so an agent of another version never runs another's. */
export const ITEM_RUNNER_NAME = `cairn-items-${createHash('sha256').update(ITEM_RUNNER_SOURCE).digest('hex').slice(0, 16)}`;

/** The most a build of the runner may take. */
const BUILD_TIMEOUT_MS = 120_000;

/** Where the agent keeps the runner: a directory of its own (the whole of it is bound into containers). */
export interface ItemRunner {
  /** Host directory holding the runner (and nothing a job may change). */
  dir: string;
  /** The runner's file name in `dir`. */
  name: string;
}

/**
 * Builds the runner into `dir` (`gcc -static -O2`, so it runs in any image: no shell, no
 * libc needed there) unless a runner of this source is there already. The file is made
 * 0755 and renamed into place, so a concurrent start never sees half of it.
 */
export async function buildItemRunner(dir: string, processes: ProcessRepository): Promise<ItemRunner> {
  await agentDir(dir, 0o755);
  const path = join(dir, ITEM_RUNNER_NAME);
  const present = await access(path).then(
    () => true,
    () => false,
  );
  if (present) return { dir, name: ITEM_RUNNER_NAME };
  const tag = randomBytes(6).toString('hex');
  const source = join(dir, `.build-${tag}.c`);
  const tmp = join(dir, `.build-${tag}`);
  try {
    await writeFile(source, ITEM_RUNNER_SOURCE, { mode: 0o600, flag: 'wx' });
    await processes.check('gcc', ['-static', '-O2', '-o', tmp, source], { timeoutMs: BUILD_TIMEOUT_MS });
    await chmod(tmp, 0o755);
    await rename(tmp, path);
  } finally {
    await rm(source, { force: true });
    await rm(tmp, { force: true });
  }
  return { dir, name: ITEM_RUNNER_NAME };
}

/** One item as the runner runs it: its index, its working directory in the container, its argv. */
export interface WorkItem {
  index: number;
  workDir: string;
  argv: readonly string[];
}

/**
 * An element's work list (elements/<k>), as the wrapper reads it with `mapfile -d ''` and the
 * runner checks it: for each item its index, working directory, argument count and arguments,
 * each ended by a NUL.
 */
export function encodeWorkList(items: readonly WorkItem[]): Buffer {
  const fields: string[] = [];
  for (const item of items) {
    if (!Number.isSafeInteger(item.index) || item.index < 0 || item.index > 10_000_000) throw new Error(`invalid item index ${item.index}`);
    if (!item.workDir.startsWith('/') || item.workDir.includes('\u0000')) throw new Error(`invalid working directory ${JSON.stringify(item.workDir)}`);
    if (item.argv.length === 0) throw new Error(`item ${item.index} has no command`);
    for (const arg of item.argv) if (arg.includes('\u0000')) throw new Error('an argument cannot contain a NUL byte');
    fields.push(String(item.index), item.workDir, String(item.argv.length), ...item.argv);
  }
  return Buffer.from(fields.map((f) => `${f}\u0000`).join(''), 'utf8');
}

/**
 * The runner the agent's array attempts use, built into `<workDir>/item-runner`, with the
 * element wrapper installed beside the others. When it cannot be built (no gcc or no static
 * libc on the agent's machine), the agent says so once and every item starts its own
 * container, as before (cairn-wrap-array).
 */
export async function prepareItemRunner(
  workDir: string,
  wrapperPath: string,
  processes: ProcessRepository,
  logger: { info(fields: object, message: string): void; warn(fields: object, message: string): void },
): Promise<(ItemRunner & { wrapperPath: string }) | undefined> {
  try {
    const runner = await buildItemRunner(join(workDir, 'item-runner'), processes);
    logger.info({ runner: join(runner.dir, runner.name) }, 'array elements start one container each (item runner)');
    return { ...runner, wrapperPath };
  } catch (error) {
    logger.warn({ err: (error as Error).message }, 'the item runner could not be built (gcc -static): every array item starts its own container');
    return undefined;
  }
}
