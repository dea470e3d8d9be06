import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandFailedError, ProcessRepository } from '@cairn/adapters/process';
import { testEnv, waitFor } from '@cairn/testing';
import { InvalidAccountingQueryError, parseSbatchOutput, type SacctJob, SlurmAccountingRepository, SlurmRepository } from '../src';

/**
 * Slurm accounting as dev-cluster.sh sets it up: slurmdbd over MariaDB, associations
 * enforced, the people alice, bob and carol with their accounts. Jobs go in with sbatch's
 * own argument vector (--uid/--gid/--export=NONE/--account), as root submits for a person.
 */
describe('Slurm accounting [real: sbatch, sacct, sacctmgr, slurmctld, slurmdbd, MariaDB]', () => {
  const { partition, people, jobUser, slurmCluster, slurmServiceAccount } = testEnv();
  const processes = new ProcessRepository();
  const accounting = new SlurmAccountingRepository(processes);
  const slurm = new SlurmRepository(processes);
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-slurm-acct-int-'));
    chmodSync(dir, 0o755);
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** sbatch as root for `user` (their own group, a clean environment), in a directory of theirs. */
  async function submitAs(user: string, account?: string, name = `cairn-acct-${randomUUID()}`): Promise<{ jobId: string; stdout: string }> {
    const jobDir = mkdtempSync(join(dir, `${user}-`));
    const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim()));
    chownSync(jobDir, uid ?? -1, gid ?? -1);
    const script = join(jobDir, 'job.sh');
    writeFileSync(script, '#!/bin/sh\necho "$(id -un) $SLURM_JOB_ACCOUNT"\n');
    chmodSync(script, 0o755);
    const stdout = join(jobDir, 'stdout');
    const args = [
      '--parsable',
      `--job-name=${name}`,
      `--chdir=${jobDir}`,
      `--output=${stdout}`,
      `--partition=${partition}`,
      '--time=1',
      `--uid=${user}`,
      `--gid=${user}`,
      '--export=NONE',
      ...(account === undefined ? [] : [`--account=${account}`]),
      script,
    ];
    const result = await processes.check('sbatch', args, { timeoutMs: 60_000 });
    return { jobId: parseSbatchOutput(result.stdout), stdout };
  }

  /** The job's accounting record once it has finished. */
  function finished(jobId: string): Promise<SacctJob> {
    return waitFor(
      `sacct record of job ${jobId} in a final state`,
      async () => {
        const job = await accounting.job(jobId);
        return job && job.stateClass !== 'PENDING' && job.stateClass !== 'RUNNING' ? job : undefined;
      },
      60_000,
      250,
    );
  }

  it("charges alice's job to alice-lab when she names it, runs it as alice, and sacct says so", async () => {
    const { jobId, stdout } = await submitAs(people.alice.posixUser, 'alice-lab');
    const record = await finished(jobId);
    expect(record).toEqual({ jobId, account: 'alice-lab', user: 'alice', state: 'COMPLETED', stateClass: 'COMPLETED', exitCode: 0, signal: 0 });
    expect(readFileSync(stdout, 'utf8')).toBe('alice alice-lab\n');
  });

  it("charges a person's job to their default account when none is named, and to their project's account when named", async () => {
    const [own, project, carols] = await Promise.all([
      submitAs(people.alice.posixUser),
      submitAs(people.alice.posixUser, 'genomics'),
      submitAs(people.carol.posixUser),
    ]);
    expect(await finished(own.jobId)).toMatchObject({ account: people.alice.accounts[0], user: 'alice', stateClass: 'COMPLETED' });
    expect(await finished(project.jobId)).toMatchObject({ account: 'genomics', user: 'alice', stateClass: 'COMPLETED' });
    expect(await finished(carols.jobId)).toMatchObject({ account: 'ops', user: 'carol', stateClass: 'COMPLETED' });
  });

  it('charges the job user (what the agent submits as) to the service account, as before accounting', async () => {
    const { jobId } = await submitAs(jobUser);
    expect(await finished(jobId)).toMatchObject({ account: slurmServiceAccount, user: jobUser, stateClass: 'COMPLETED' });
  });

  it("refuses bob's job charged to alice-lab in Slurm itself: sbatch fails naming the invalid account, nothing is queued", async () => {
    const name = `cairn-acct-${randomUUID()}`;
    const error = await submitAs(people.bob.posixUser, 'alice-lab', name).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CommandFailedError);
    expect(error instanceof CommandFailedError && error.result.stderr).toMatch(/Invalid account or account\/partition combination specified/);
    expect((await slurm.listJobs()).filter((j) => j.name === name)).toEqual([]);
  });

  it('refuses accounts that do not exist and accounts of the service, for every person', async () => {
    for (const person of Object.values(people)) {
      for (const account of ['no-such-account', slurmServiceAccount]) {
        await expect(submitAs(person.posixUser, account)).rejects.toThrow(/Invalid account or account\/partition combination specified/);
      }
    }
  });

  it("lists exactly each person's accounts, the default first", async () => {
    expect(await accounting.userAccounts('alice')).toEqual(['alice-lab', 'genomics']);
    expect(await accounting.userAccounts('bob')).toEqual(['genomics']);
    expect(await accounting.userAccounts('carol', slurmCluster)).toEqual(['ops']);
    for (const person of Object.values(people)) {
      expect(await accounting.userAccounts(person.posixUser, slurmCluster)).toEqual(person.accounts);
    }
    expect(await accounting.userAccounts(jobUser)).toEqual([slurmServiceAccount]);
    expect((await accounting.userAccounts('root'))[0]).toBe(slurmServiceAccount);
  });

  it('lists no accounts for a user Slurm does not know, or of a cluster that does not exist', async () => {
    expect(await accounting.userAccounts('nobody-of-cairn')).toEqual([]);
    expect(await accounting.userAccounts('alice', 'no-such-cluster')).toEqual([]);
  });

  it('has no record of a job id accounting never saw', async () => {
    expect(await accounting.job('4000000000')).toBeUndefined();
  });

  it('refuses a hostile job id or user name before starting sacct or sacctmgr', async () => {
    await expect(accounting.job('1; scancel -u alice')).rejects.toThrow(InvalidAccountingQueryError);
    await expect(accounting.userAccounts('alice where name=bob')).rejects.toThrow(InvalidAccountingQueryError);
    await expect(accounting.userAccounts('-i')).rejects.toThrow(InvalidAccountingQueryError);
  });
});
