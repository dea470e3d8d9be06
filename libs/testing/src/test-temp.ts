import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** Where a Jest run's own temporary directory is named, for its global teardown. */
const RUN_TEMP = 'CAIRN_TEST_RUN_TMPDIR';
/** Where caches kept across runs live (the embedded database template, the registry fixtures' base image). */
const CACHE = 'CAIRN_TEST_CACHE_DIR';

const PREFIX = 'cairn-test-run-';
/** A run directory this old belongs to no live run (a whole CI run takes under 30 minutes): a crashed run's, removed by the next. */
const STALE_MS = 24 * 3600 * 1000;

/** The directory for what tests keep from one run to the next: the machine's temp dir, not a run's. */
export function testCacheDir(): string {
  return process.env[CACHE] ?? tmpdir();
}

/**
 * Gives this Jest run a temporary directory of its own: `TMPDIR` points into it, so every
 * `mkdtemp(tmpdir())` of a spec (embedded databases, stacks, job directories) lands there,
 * and the run's global teardown removes it whole, whatever a spec forgot or a failure left.
 * Set in Jest's global setup, before the workers start: they inherit it, and so does what
 * the specs start with their environment. Caches kept across runs stay in the machine's temp
 * dir (testCacheDir), and so does SWC's compile cache for the processes specs start.
 * Mode 1777, like /tmp: specs run processes as the job user, which make directories there too.
 */
export function enterRunTemp(): void {
  // Under `projects` (jest.integration.config.js) every project's global setup runs: one directory.
  if (process.env[RUN_TEMP] !== undefined && process.env[RUN_TEMP] === process.env['TMPDIR']) return;
  const machine = tmpdir();
  process.env[CACHE] ??= machine;
  process.env['SWC_NODE_CACHE_DIR'] ??= join(machine, `swc-node-${userInfo().uid}`);
  removeStaleRuns(machine);
  const dir = mkdtempSync(join(machine, PREFIX));
  chmodSync(dir, 0o1777);
  process.env[RUN_TEMP] = dir;
  process.env['TMPDIR'] = dir;
}

/** Removes the run's temporary directory (Jest's global teardown). */
export function leaveRunTemp(): void {
  const dir = process.env[RUN_TEMP];
  if (!dir) return;
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  delete process.env[RUN_TEMP];
}

/** Removes the directories of runs that ended without their teardown (killed, or Jest crashed) a day or more ago. */
function removeStaleRuns(machine: string): void {
  for (const name of readdirSync(machine)) {
    if (!name.startsWith(PREFIX)) continue;
    const path = join(machine, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // Gone meanwhile, or not ours to remove: the next run tries again.
    }
  }
}
