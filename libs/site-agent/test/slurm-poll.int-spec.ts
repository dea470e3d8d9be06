import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContainerRuntime, ImageCatalogue, ImageMaterializer } from '@cairn/adapters/container-runtime';
import { OciRegistryRepository } from '@cairn/adapters/oci-registry';
import { ProcessRepository } from '@cairn/adapters/process';
import { type BatchJob, SlurmAccountingRepository, type SlurmJobInfo, SlurmRepository, type SqueueFilter } from '@cairn/adapters/slurm';
import { isFinal, type JobState, type ResolvedImage, type SubmitAttemptCommand } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { strictMock, testEnv, waitFor } from '@cairn/testing';
import type { AttemptEvents, EventDetails } from '../src/attempt-events';
import { type Attempt, AttemptStore } from '../src/attempt-store';
import { AttemptSubmitter, slurmJobName } from '../src/attempt-submitter';
import { prepareItemRunner } from '../src/element-launch';
import { agentDir, JobFilesystem } from '../src/job-fs';
import { resolveJobUser } from '../src/job-user';
import { installWrappers } from '../src/site-agent.module';
import { SiteAgent } from '../src/site-agent.service';
import { SlurmPoller } from '../src/slurm-poller';

/** Real squeue and sbatch; every listing the agent made is kept, and sbatch can be made to never answer (a crash after it). */
class RecordingSlurm extends SlurmRepository {
  readonly listings: { filter?: SqueueFilter; jobs: SlurmJobInfo[] }[] = [];
  readonly submitted: string[] = [];
  hangAfterSbatch = false;

  override async listJobs(filter?: SqueueFilter): Promise<SlurmJobInfo[]> {
    const jobs = await super.listJobs(filter);
    this.listings.push({ ...(filter ? { filter } : {}), jobs });
    return jobs;
  }

  override async submit(job: BatchJob): Promise<string> {
    const id = await super.submit(job);
    this.submitted.push(id);
    // The process "dies" here: the job is in Slurm, its id never recorded.
    if (this.hangAfterSbatch) return new Promise<string>(() => undefined);
    return id;
  }
}

const FOREIGN_JOBS = 100;

/**
 * The agent's pieces as the module wires them (the NATS side has its own suites: attempt
 * events are recorded in memory), with a foreign user's many held jobs on the controller.
 */
describe('the agent follows only its own jobs [real: sbatch --uid, squeue --user, sacct, slurmctld, slurmd, slurmdbd, registry, ch-run; recorded: attempt events]', () => {
  const processes = new ProcessRepository();
  const { registry, partition, jobUser: jobUserName } = testEnv();
  const published = new Map<string, JobState[]>();
  const logger = createLogger('slurm-poll', 'silent');
  const foreignTag = `foreign-${randomUUID().slice(0, 8)}`;
  let workDir: string;
  let image: ResolvedImage;
  const foreign: string[] = [];

  /**
   * One agent over `root` (two agents over one root: a restart). `poll`: its tick and back-off
   * ceiling (in ticks), and whether array elements start one container each (the item runner).
   */
  async function agentOn(root: string, slurm: RecordingSlurm, concurrency = 4, poll = { ms: 300, backoffFactor: 2, itemRunner: false }) {
    const store = new AttemptStore(root);
    const events = strictMock<AttemptEvents>(
      {
        publish: async (attempt: Attempt, state: Exclude<JobState, 'ACCEPTED'>, details: EventDetails = {}) => {
          void details;
          if (attempt.status.published.includes(state)) return;
          published.set(attempt.id, [...(published.get(attempt.id) ?? []), state]);
          attempt.status.published.push(state);
          if (isFinal(state)) attempt.status.final = true;
          await store.saveStatus(attempt);
        },
      },
      'AttemptEvents',
    );
    const jobUser = await resolveJobUser(jobUserName, processes, { uid: process.getuid?.() ?? -1 });
    const runtime = createContainerRuntime('charliecloud', processes, { charliecloudImageForm: testEnv().charliecloudImageForm });
    const images = await ImageCatalogue.open({
      dir: join(workDir, 'images'),
      runtime: 'charliecloud',
      materializer: new ImageMaterializer(processes, runtime.converter, { insecureRegistries: [registry] }),
    });
    await images.materialize(image.pinned, image.digest);
    const { elementWrapperPath, ...wrappers } = await installWrappers(workDir);
    const itemRunner = poll.itemRunner ? await prepareItemRunner(workDir, elementWrapperPath, processes, logger) : undefined;
    if (poll.itemRunner && !itemRunner) throw new Error('the item runner could not be built');
    const submitter = new AttemptSubmitter(
      store,
      slurm,
      runtime,
      events,
      { ...wrappers, ...(itemRunner ? { itemRunner } : {}), jobFs: new JobFilesystem(jobUser, processes), images, runsDir: join(workDir, 'runs'), defaultPartition: partition },
      logger,
    );
    const poller = new SlurmPoller(store, slurm, events, logger, { jobUser: jobUser.name, accounting: new SlurmAccountingRepository(processes), backoffFactor: poll.backoffFactor });
    const agent = new SiteAgent('dev', store, slurm, submitter, poller, { pollMs: poll.ms, retryMs: 1000 }, { resourceClasses: {} }, logger, undefined, 0, concurrency);
    return { agent, store };
  }

  const command = (argv: string[]): SubmitAttemptCommand => ({
    attemptId: randomUUID(),
    jobId: randomUUID(),
    spec: { name: 'poll', image: 'lab/busybox:1.36', command: argv, env: {}, resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 120 }, site: 'dev' },
    image,
  });

  /** The jobs Slurm remembers under each attempt's name (finished ones included): exactly one each, or the count. */
  async function jobsPerAttempt(ids: readonly string[]): Promise<Map<string, string[]>> {
    const jobs = await new SlurmRepository(processes).listJobs({ users: [jobUserName], finished: true });
    return new Map(ids.map((id) => [id, jobs.filter((j) => j.name === slurmJobName(id)).map((j) => j.jobId)]));
  }

  const final = (ids: readonly string[]) => (published.size >= 0 && ids.every((id) => published.get(id)?.some(isFinal)) ? true : undefined);

  beforeAll(async () => {
    workDir = realpathSync(mkdtempSync(join(tmpdir(), 'cairn-poll-')));
    chmodSync(workDir, 0o755);
    await agentDir(join(workDir, 'runs'), 0o755);
    await agentDir(join(workDir, 'images'), 0o755);
    const resolved = await new OciRegistryRepository({ defaultRegistry: registry, insecureRegistries: [registry] }).resolve('lab/busybox:1.36');
    image = { reference: 'lab/busybox:1.36', pinned: resolved.pinned, digest: resolved.digest };
    // Bob's many held jobs: on the controller for the whole suite, never run.
    // Each id kept as soon as it exists: a held job left behind would wait forever.
    for (let i = 0; i < FOREIGN_JOBS; i += 1) {
      foreign.push(
        execFileSync('runuser', ['-u', 'bob', '--', 'sbatch', '--hold', '--parsable', `--job-name=${foreignTag}`, `--partition=${partition}`, '--output=/dev/null', '--wrap=true'], {
          encoding: 'utf8',
          cwd: '/tmp',
        }).trim(),
      );
    }
  }, 120_000);

  afterAll(() => {
    if (foreign.length > 0) execFileSync('scancel', foreign);
  });

  it('never lists bob’s jobs, submits a concurrent burst as exactly one Slurm job per attempt, and brings each to its final state', async () => {
    const slurm = new RecordingSlurm(processes);
    const { agent, store } = await agentOn(join(workDir, 'burst'), slurm);
    await agent.onApplicationBootstrap();
    const ok = Array.from({ length: 10 }, () => command(['/bin/true']));
    const failing = command(['/bin/sh', '-c', 'exit 3']);
    const long = command(['/bin/sleep', '300']);
    const all = [...ok, failing, long];
    await Promise.all(all.map((c) => agent.accept(c)));
    // The long one is cancelled once it runs (Slurm kills it: accounting says CANCELLED).
    await waitFor('the long job to run', async () => (published.get(long.attemptId)?.includes('RUNNING') ? true : undefined), 200_000, 300);
    await agent.cancel(long.attemptId);
    await waitFor('every attempt to end', async () => final(all.map((c) => c.attemptId)), 300_000, 500);
    await agent.onModuleDestroy();

    for (const c of ok) expect({ id: c.attemptId, states: published.get(c.attemptId) }).toEqual({ id: c.attemptId, states: ['PENDING', 'RUNNING', 'COMPLETED'] });
    expect(published.get(failing.attemptId)?.at(-1)).toBe('FAILED');
    expect((await store.load(failing.attemptId))?.status.final).toBe(true);
    expect(published.get(long.attemptId)?.at(-1)).toBe('CANCELLED');

    const perAttempt = await jobsPerAttempt(all.map((c) => c.attemptId));
    for (const [id, jobs] of perAttempt) expect({ id, jobs: jobs.length }).toEqual({ id, jobs: 1 });
    expect(slurm.submitted).toHaveLength(all.length);

    // Every listing asked for the job user's jobs alone, and none held a job of bob's.
    expect(slurm.listings.length).toBeGreaterThan(0);
    for (const listing of slurm.listings) {
      expect(listing.filter?.users).toEqual([jobUserName]);
      expect(listing.jobs.filter((j) => j.user !== jobUserName || j.name === foreignTag)).toEqual([]);
    }
    // Bob's jobs are still there (the listing left them out, Slurm did not forget them).
    const everything = await new SlurmRepository(processes).listJobs();
    expect(everything.filter((j) => j.name === foreignTag && j.user === 'bob')).toHaveLength(FOREIGN_JOBS);
  });

  it('a restart after every sbatch of a concurrent burst reached Slurm (none recorded) adopts each job: still exactly one per attempt', async () => {
    const root = join(workDir, 'crash');
    const dying = new RecordingSlurm(processes);
    dying.hangAfterSbatch = true;
    const burst = Array.from({ length: 8 }, () => command(['/bin/true']));
    // As many workers as attempts: each sbatch reaches Slurm, then its worker never comes back.
    const first = await agentOn(root, dying, burst.length);
    await first.store.init();
    await Promise.all(burst.map((c) => first.agent.accept(c)));
    await waitFor('every sbatch of the burst', async () => (dying.submitted.length === burst.length ? true : undefined), 120_000, 100);
    // The first agent is gone (its workers never come back); a new one starts on the same directory.
    const slurm = new RecordingSlurm(processes);
    const second = await agentOn(root, slurm);
    await second.agent.onApplicationBootstrap();
    await waitFor('every attempt to end', async () => final(burst.map((c) => c.attemptId)), 300_000, 500);
    await second.agent.onModuleDestroy();

    expect(slurm.submitted).toEqual([]);
    for (const c of burst) {
      const attempt = await second.store.load(c.attemptId);
      expect({ id: c.attemptId, job: attempt?.status.slurmJobId, states: published.get(c.attemptId) }).toEqual({
        id: c.attemptId,
        job: expect.stringMatching(/^\d+$/),
        states: ['PENDING', 'RUNNING', 'COMPLETED'],
      });
    }
    const perAttempt = await jobsPerAttempt(burst.map((c) => c.attemptId));
    for (const [id, jobs] of perAttempt) expect({ id, jobs: jobs.length }).toEqual({ id, jobs: 1 });
    expect([...perAttempt.values()].flat().sort()).toEqual([...dying.submitted].sort());
    for (const listing of slurm.listings) expect(listing.jobs.filter((j) => j.user !== jobUserName)).toEqual([]);
  });

  it('follows a sweep by its elements’ end markers: fewer listings than elements, none needed at the back-off ceiling to see it end', async () => {
    const slurm = new RecordingSlurm(processes);
    // A 100 ms tick and a ceiling of 100,000 ticks (almost 3 hours): the end can only come from the files in time.
    const { agent, store } = await agentOn(join(workDir, 'sweep'), slurm, 4, { ms: 100, backoffFactor: 100_000, itemRunner: true });
    await agent.onApplicationBootstrap();
    const elements = 32;
    const sweep: SubmitAttemptCommand = { ...command(['/bin/true', '${{ item }}']), array: { items: Array.from({ length: elements * 2 }, String), itemsPerElement: 2 } };
    await agent.accept(sweep);
    await waitFor('the sweep to end', async () => final([sweep.attemptId]), 300_000, 500);
    await agent.onModuleDestroy();

    expect(published.get(sweep.attemptId)).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
    const attempt = await store.load(sweep.attemptId);
    const records = attempt ? await store.readItemRecords(attempt, elements) : undefined;
    expect(records?.items.map((r) => [r.item, r.exitCode])).toEqual(Array.from({ length: elements * 2 }, (_, i) => [i, 0]));
    // Every element's shell left its marker; the listings did not follow the elements' ends.
    const markers = readdirSync(join(attempt?.dir ?? '', 'out')).filter((n) => /^ended-\d+\.0$/.test(n));
    expect(markers).toHaveLength(elements);
    expect(slurm.submitted).toHaveLength(1);
    expect(slurm.listings.length).toBeLessThan(elements);
    for (const listing of slurm.listings) expect(listing.filter?.users).toEqual([jobUserName]);
  });
});
