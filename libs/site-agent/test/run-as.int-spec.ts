import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContainerRuntime, ImageCatalogue, ImageMaterializer } from '@cairn/adapters/container-runtime';
import { OciRegistryRepository } from '@cairn/adapters/oci-registry';
import { ProcessRepository } from '@cairn/adapters/process';
import { SlurmRepository } from '@cairn/adapters/slurm';
import { isFinal, type JobState, type ResolvedImage, type SubmitAttemptCommand } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { strictMock, testEnv, waitFor } from '@cairn/testing';
import type { AttemptEvents, EventDetails } from '../src/attempt-events';
import { type Attempt, AttemptStore } from '../src/attempt-store';
import { AttemptSubmitter, slurmJobName } from '../src/attempt-submitter';
import { agentDir, JobFilesystem } from '../src/job-fs';
import { resolveJobUser } from '../src/job-user';
import { PersonReads } from '../src/person-reads';
import { RunAsUsers } from '../src/run-as-user';
import { installWrappers } from '../src/site-agent.module';
import { SlurmPoller } from '../src/slurm-poller';

const ids = (user: string) => ({ uid: Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim()), gid: Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim()) });
const asUser = (user: string, argv: string[]) => {
  const { uid, gid } = ids(user);
  return execFileSync('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', ...argv], { encoding: 'utf8' });
};

/**
 * The agent's pieces as the module wires them, with attempt events recorded in memory (the
 * NATS side has its own suites); everything that runs, checks users and reads files is real.
 */
describe('jobs run as their owner [real: getent, setpriv, sbatch --uid --gid --export=ALL --account, slurmctld, slurmd, slurmdbd, sacct, registry, skopeo, ch-run; recorded: attempt events]', () => {
  const processes = new ProcessRepository();
  const slurm = new SlurmRepository(processes);
  const { registry, partition, jobUser: jobUserName } = testEnv();
  const published = new Map<string, { state: JobState; details: EventDetails }[]>();
  let store: AttemptStore;
  let submitter: AttemptSubmitter;
  let poller: SlurmPoller;
  let reads: PersonReads;
  let users: RunAsUsers;
  let runsDir: string;
  let image: ResolvedImage;
  /** One job of alice's, run once for every test below (the node is shared: fewer jobs, less waiting). */
  let alicesRun: { runId: string; attempt: Attempt; states: { state: JobState; details: EventDetails }[] };

  beforeAll(async () => {
    const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'cairn-run-as-')));
    chmodSync(workDir, 0o755);
    runsDir = join(workDir, 'runs');
    await agentDir(runsDir, 0o755);
    await agentDir(join(workDir, 'images'), 0o755);
    store = new AttemptStore(join(workDir, 'attempts'));
    await store.init();
    const events = strictMock<AttemptEvents>(
      {
        publish: async (attempt: Attempt, state: Exclude<JobState, 'ACCEPTED'>, details: EventDetails = {}) => {
          if (attempt.status.published.includes(state)) return;
          published.set(attempt.id, [...(published.get(attempt.id) ?? []), { state, details }]);
          attempt.status.published.push(state);
          if (isFinal(state)) attempt.status.final = true;
          await store.saveStatus(attempt);
        },
      },
      'AttemptEvents',
    );
    const jobUser = await resolveJobUser(jobUserName, processes, { uid: process.getuid?.() ?? -1 });
    users = new RunAsUsers(processes, { minUid: 1000, allowed: [], denied: [] }, { uid: process.getuid?.() ?? -1 }, 60_000);
    const runtime = createContainerRuntime('charliecloud', processes, { charliecloudImageForm: testEnv().charliecloudImageForm });
    const images = await ImageCatalogue.open({
      dir: join(workDir, 'images'),
      runtime: 'charliecloud',
      materializer: new ImageMaterializer(processes, runtime.converter, { insecureRegistries: [registry] }),
    });
    const logger = createLogger('run-as', 'silent');
    submitter = new AttemptSubmitter(
      store,
      slurm,
      runtime,
      events,
      { ...(await installWrappers(workDir)), jobFs: new JobFilesystem(jobUser, processes), users, images, runsDir, defaultPartition: partition },
      logger,
    );
    poller = new SlurmPoller(store, slurm, events, logger);
    reads = new PersonReads(runsDir, jobUser, users, processes);
    const resolved = await new OciRegistryRepository({ defaultRegistry: registry, insecureRegistries: [registry] }).resolve('lab/busybox:1.36');
    image = { reference: 'lab/busybox:1.36', pinned: resolved.pinned, digest: resolved.digest };
    // The site holds the image before any attempt (an attempt whose image is still being
    // converted waits aside: images.int-spec covers that path).
    await images.materialize(image.pinned, image.digest);
    const runId = randomUUID();
    alicesRun = {
      runId,
      ...(await run(
        command(
          { posixUser: 'alice', account: 'alice-lab' },
          ['/bin/sh', '-c', 'id -u; id -g; echo "$USER"; id -u > uid.txt; echo mine > mine.txt; echo out > /cairn/work/w.txt; echo err >&2'],
          { id: runId, stepDir: 'who' },
        ),
      )),
    };
  });

  const command = (runAs: SubmitAttemptCommand['runAs'], argv: string[], run?: { id: string; stepDir: string }): SubmitAttemptCommand => ({
    attemptId: randomUUID(),
    jobId: randomUUID(),
    spec: { name: 'who', image: 'lab/busybox:1.36', command: argv, env: {}, resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 120 }, site: 'dev', ...(run ? { run } : {}) },
    image,
    ...(runAs ? { runAs } : {}),
  });

  /** Submits as the agent does and follows the attempt with the poller until it is final. */
  async function run(cmd: SubmitAttemptCommand): Promise<{ attempt: Attempt; states: { state: JobState; details: EventDetails }[] }> {
    const attempt = await store.create(cmd);
    expect(await submitter.submit(attempt)).toBe(true);
    await waitFor(
      `attempt ${attempt.id} to end`,
      async () => {
        if (!attempt.status.final) await poller.tick([attempt]);
        return attempt.status.final ? true : undefined;
      },
      // The node is shared: the job may wait behind others' before it runs.
      200_000,
      300,
    );
    return { attempt, states: published.get(attempt.id) ?? [] };
  }

  it('runs alice’s job as alice (id -u in the container), leaves her files hers, and charges alice-lab in Slurm accounting', async () => {
    const alice = ids('alice');
    const { runId, attempt, states } = alicesRun;
    expect(states.map((s) => s.state)).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
    const output = (await store.readOutput(attempt, 'stdout', { maxBytes: 4096 })).data.toString('utf8');
    expect(output).toBe(`${alice.uid}\n${alice.gid}\nalice\n`);

    // Her files: the attempt's out/ and work/, the run directory and what the job wrote.
    for (const path of [
      store.outDir(attempt),
      join(store.outDir(attempt), 'stdout'),
      join(store.outDir(attempt), 'exit.json'),
      join(attempt.dir, 'work'),
      join(attempt.dir, 'work', 'w.txt'),
      join(runsDir, runId),
      join(runsDir, runId, 'who'),
      join(runsDir, runId, 'who', 'uid.txt'),
    ]) {
      const stats = lstatSync(path);
      expect({ path, uid: stats.uid, gid: stats.gid }).toEqual({ path, uid: alice.uid, gid: alice.gid });
    }
    // The agent's own files stay the agent's.
    expect(lstatSync(join(attempt.dir, 'status.json')).uid).toBe(process.getuid?.());
    expect((await store.load(attempt.id))?.status.owner).toEqual(alice);

    // Read back through the helper running as alice.
    const file = await reads.runFile({ runId, path: 'who/uid.txt', maxBytes: 100 });
    expect(Buffer.from(file.dataBase64, 'base64').toString('utf8')).toBe(`${alice.uid}\n`);

    // Charged to alice-lab, as alice (the record reaches slurmdbd a moment after the job ends).
    const slurmJobId = attempt.status.slurmJobId ?? '';
    const record = await waitFor(
      `sacct to know job ${slurmJobId}`,
      async () => {
        const line = execFileSync('sacct', ['-X', '-n', '-P', '-j', slurmJobId, '--format=JobID,Account,User,State'], { encoding: 'utf8' }).trim();
        return line.endsWith('COMPLETED') ? line : undefined;
      },
      60_000,
      500,
    );
    expect(record).toBe(`${slurmJobId}|alice-lab|alice|COMPLETED`);
  });

  it('fails bob’s job charged to alice-lab with a clear permanent reason, and runs nothing', async () => {
    const cmd = command({ posixUser: 'bob', account: 'alice-lab' }, ['/bin/sh', '-c', 'echo ran']);
    const attempt = await store.create(cmd);
    expect(await submitter.submit(attempt)).toBe(true);
    expect(published.get(attempt.id)?.map((s) => s.state)).toEqual(['FAILED']);
    expect(published.get(attempt.id)?.[0]?.details.reason).toMatch(
      /^Slurm refused to charge account alice-lab for user bob: the user has no association with that account on this site \(sbatch: error: .*Invalid account/,
    );
    expect(attempt.status.slurmJobId).toBeUndefined();
    expect((await slurm.listJobs()).filter((job) => job.name === slurmJobName(attempt.id))).toEqual([]);
  });

  it('never hands alice’s run directory to bob: his attempt in her run fails and changes nothing there', async () => {
    const alice = ids('alice');
    const { runId } = alicesRun;
    const bobs = await store.create(command({ posixUser: 'bob', account: 'genomics' }, ['/bin/sh', '-c', 'cat /cairn/run/who/mine.txt'], { id: runId, stepDir: 'b' }));
    expect(await submitter.submit(bobs)).toBe(true);
    expect(published.get(bobs.id)).toEqual([{ state: 'FAILED', details: { reason: `working directory could not be created: ${join(runsDir, runId)} belongs to uid ${alice.uid}, not to bob` } }]);
    expect(bobs.status.slurmJobId).toBeUndefined();
    expect(lstatSync(join(runsDir, runId)).uid).toBe(alice.uid);
    expect(() => lstatSync(join(runsDir, runId, 'b'))).toThrow(/ENOENT/);
  });

  it('refuses root and system users before anything runs, with the rule that refused them', async () => {
    for (const [name, why] of [
      ['root', /"root": that is root \(uid 0\)/],
      ['daemon', /"daemon": uid 1 is below CAIRN_AGENT_MIN_UID \(1000\)/],
      ['nobody', /"nobody": uid or gid 65534 is the kernel's overflow id/],
      ['no-such-person', /"no-such-person": no such user on this site/],
    ] as const) {
      await expect(users.resolve(name)).rejects.toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringMatching(why) });
      const attempt = await store.create(command({ posixUser: name, account: 'alice-lab' }, ['/bin/true']));
      expect(await submitter.submit(attempt)).toBe(true);
      expect({ name, states: published.get(attempt.id)?.map((s) => s.state) }).toEqual({ name, states: ['FAILED'] });
      expect(published.get(attempt.id)?.[0]?.details.reason).toMatch(why);
      expect(attempt.status.slurmJobId).toBeUndefined();
    }
  });

  it('never follows a link alice plants to a root-only file: not in run-file, glob or output reads', async () => {
    const { runId, attempt } = alicesRun;
    const secret = join(mkdtempSync(join(tmpdir(), 'cairn-root-only-')), 'secret');
    execFileSync('sh', ['-c', 'umask 077; echo root-secret > "$1"', 'sh', secret]);
    chmodSync(join(secret, '..'), 0o755);
    const plant = join(runsDir, runId, 'plant');
    asUser('alice', ['mkdir', plant]);
    asUser('alice', ['cp', join(runsDir, runId, 'who', 'mine.txt'), join(plant, 'mine.txt')]);
    asUser('alice', ['ln', '-s', secret, join(plant, 'leak')]);
    asUser('alice', ['ln', '-s', secret, join(plant, 'leak.txt')]);
    asUser('alice', ['ln', '-s', '/etc/shadow', join(plant, 'shadow')]);
    // Her job's error output swapped for a link to the secret.
    expect((await store.readOutput(attempt, 'stderr', { maxBytes: 4096 })).data.toString('utf8')).toBe('err\n');
    asUser('alice', ['rm', join(store.outDir(attempt), 'stderr')]);
    asUser('alice', ['ln', '-s', secret, join(store.outDir(attempt), 'stderr')]);

    for (const path of ['plant/leak', 'plant/leak.txt', 'plant/shadow']) {
      await expect(reads.runFile({ runId, path, maxBytes: 100 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'path escapes the run directory' });
    }
    expect(await reads.runGlob({ runId, pattern: 'plant/*', limit: 100 })).toEqual(['plant/mine.txt']);
    const page = await store.readOutput(attempt, 'stderr', { maxBytes: 4096 });
    expect(page.data.toString('utf8')).not.toContain('root-secret');
    expect(readFileSync(secret, 'utf8')).toBe('root-secret\n');

    // What a read as alice costs: one process per query (measured, reported, not asserted).
    const before = reads.spawns;
    const started = process.hrtime.bigint();
    for (let i = 0; i < 3; i += 1) await reads.runFile({ runId, path: 'plant/mine.txt', maxBytes: 100 });
    const perRead = Number(process.hrtime.bigint() - started) / 3 / 1e6;
    expect(reads.spawns - before).toBe(3);
    process.stdout.write(`run-file read as a person: ${perRead.toFixed(0)} ms per read (one helper process each)\n`);
  });
});
