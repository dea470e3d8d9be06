/**
 * The batch scripts job-wrapper.ts and job-slot.ts compare: the one `sbatch --wrap` writes,
 * and Cairn's single-job script (cairn-wrap.sh) for one attempt directory, at this commit or
 * as it was at another (`git show`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CharliecloudRuntime } from '@cairn/adapters/container-runtime';
import { encodeArgv, expandWrapper, renderBatchScript } from '@cairn/site-agent';
import { processes, run } from './bench-kit';

const runtime = new CharliecloudRuntime(processes);
export const BENCH_ATTEMPT_ID = '3f1c2b4a-0000-4000-8000-000000000001';

/** The wrapper at commit `rev`, with its parts at that commit. */
export async function wrapperAt(rev: string): Promise<string> {
  const files = new Map<string, string>();
  for (const name of ['cairn-wrap.sh', 'cairn-job-env.sh', 'cairn-hash.sh']) files.set(name, await run('git', ['show', `${rev}:libs/site-agent/src/${name}`]));
  return expandWrapper('cairn-wrap.sh', (name) => {
    const text = files.get(name);
    if (text === undefined) throw new Error(`cairn-wrap.sh at ${rev} includes ${name}, which this script does not read`);
    return text;
  });
}

/** `sbatch --wrap`'s script for the command. */
export function writePlainScript(path: string, command: readonly string[]): void {
  writeFileSync(path, `#!/bin/sh\n# This script was created by sbatch --wrap.\n\n${command.join(' ')}\n`, { mode: 0o755 });
}

/**
 * An attempt directory as the agent lays it out (argv, out/, work/) with Cairn's batch script
 * for `command`, in the image through CharliecloudRuntime's launch vector (`image` given) or
 * run directly. Returns the batch script's path.
 */
export function writeCairnAttempt(attempt: string, wrapper: string, command: readonly string[], image: string | undefined): string {
  mkdirSync(join(attempt, 'out'), { recursive: true });
  mkdirSync(join(attempt, 'work'));
  const argv = image
    ? runtime.launch({ image: { path: image, digest: `sha256:${'0'.repeat(64)}` }, command: [...command], env: {}, scratchDir: attempt, binds: [{ source: join(attempt, 'work'), target: '/cairn/work' }], workDir: '/cairn/work' }).argv
    : [...command];
  writeFileSync(join(attempt, 'argv'), encodeArgv(argv));
  const script = join(attempt, 'batch');
  writeFileSync(script, renderBatchScript({ wrapper, attemptDir: attempt, attemptId: BENCH_ATTEMPT_ID }), { mode: 0o755 });
  return script;
}
