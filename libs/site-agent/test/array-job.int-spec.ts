import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessRepository } from '@cairn/adapters/process';
import { classifySlurmState, parseArrayTaskId, SlurmRepository } from '@cairn/adapters/slurm';
import { testEnv, waitFor } from '@cairn/testing';
import { ARRAY_WRAPPER_SCRIPT, encodeElement, parseItemRecords } from '../src/array-element';

describe('packed array job [real: sbatch --array --uid --gid, squeue, slurmctld, slurmd, bash]', () => {
  it('runs 3 elements × 3 items as ONE Slurm array job as the job user, records each item, and fails only the element with a failed item', async () => {
    const slurm = new SlurmRepository(new ProcessRepository());
    const { jobUser } = testEnv();
    const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, jobUser], { encoding: 'utf8' }).trim()));
    // As the agent lays an attempt out: its files root's, out/ the job user's.
    const dir = mkdtempSync(join(tmpdir(), 'cairn-array-'));
    chmodSync(dir, 0o711);
    mkdirSync(join(dir, 'elements'));
    mkdirSync(join(dir, 'out'));
    chownSync(join(dir, 'out'), uid ?? -1, gid ?? -1);
    const wrapper = join(dir, 'cairn-wrap-array');
    writeFileSync(wrapper, ARRAY_WRAPPER_SCRIPT, { mode: 0o755 });
    writeFileSync(join(dir, 'job.sh'), `#!/bin/bash\nexec '${wrapper}' '${dir}'\n`, { mode: 0o755 });
    for (let element = 0; element < 3; element += 1) {
      const items = [0, 1, 2].map((k) => {
        const index = element * 3 + k;
        return { index, argv: ['/bin/sh', '-c', 'echo "item $CAIRN_ITEM_INDEX"; exit "$0"', index === 4 ? '5' : '0'] };
      });
      writeFileSync(join(dir, 'elements', String(element)), encodeElement(items));
    }
    const name = `cairn-${randomUUID()}`;
    const before = slurm.calls.sbatch;
    const arrayJobId = await slurm.submit({
      name,
      comment: name,
      scriptPath: join(dir, 'job.sh'),
      workDir: join(dir, 'out'),
      stdoutPath: join(dir, 'out', 'stdout-%a'),
      stderrPath: join(dir, 'out', 'stderr-%a'),
      runAs: { user: jobUser, group: jobUser },
      cpus: 1,
      memoryMb: 64,
      timeLimitSeconds: 120,
      partition: testEnv().partition,
      array: '0-2%2',
    });
    expect(slurm.calls.sbatch - before).toBe(1);

    const tasks = await waitFor(
      'all three array tasks to end',
      async () => {
        const mine = (await slurm.listJobs()).filter((j) => j.name === name);
        const done = mine.filter((j) => parseArrayTaskId(j.jobId).index !== undefined && ['COMPLETED', 'FAILED'].includes(classifySlurmState(j.state) ?? ''));
        return done.length === 3 ? mine : undefined;
      },
      60_000,
      250,
    );
    const byIndex = new Map(tasks.map((t) => [parseArrayTaskId(t.jobId).index, t]));
    expect(tasks.every((t) => parseArrayTaskId(t.jobId).jobId === arrayJobId)).toBe(true);
    expect([0, 1, 2].map((k) => classifySlurmState(byIndex.get(k)?.state ?? ''))).toEqual(['COMPLETED', 'FAILED', 'COMPLETED']);

    const exits = [0, 1, 2].flatMap((k) =>
      [...parseItemRecords(readFileSync(join(dir, 'out', `items-${k}.jsonl`), 'utf8')).values()].map((r) => [r.item, r.exitCode]),
    );
    expect(exits).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 0],
      [4, 5],
      [5, 0],
      [6, 0],
      [7, 0],
      [8, 0],
    ]);
    expect(readFileSync(join(dir, 'out', 'stdout-1'), 'utf8')).toBe('item 3\nitem 4\nitem 5\n');
    expect(statSync(join(dir, 'out', 'items-1.jsonl')).uid).toBe(uid);
  });
});
