import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerRuntime, ImageCatalogue, PreparedImage } from '@cairn/adapters/container-runtime';
import { CairnError, ITEM_PLACEHOLDER, type SubmitAttemptCommand } from '@cairn/contracts';
import { CommandFailedError } from '@cairn/adapters/process';
import { MAX_SQUEUE_USERS, parseArrayTaskId, type SlurmJobInfo, type SlurmRepository, type SqueueFilter } from '@cairn/adapters/slurm';
import type { Logger } from '@cairn/logging';
import type { AttemptEvents } from './attempt-events';
import type { Attempt, AttemptStore } from './attempt-store';
import { ARRAY_WRAPPER_SCRIPT, encodeElement, itemIndices } from './array-element';
import { encodeArgv, renderBatchScript, WRAPPER_SCRIPT } from './batch-script';
import { ELEMENT_WRAPPER_SCRIPT, encodeWorkList, type ItemRunner } from './element-launch';
import { hashLists } from './hashed-files';
import type { JobFilesystem } from './job-fs';
import type { JobUser } from './job-user';
import type { RunAsUsers } from './run-as-user';
import { createWorkspace, type Workspace, workspaceFor } from './workspace';

export interface SubmitterOptions {
  /**
   * The item runner (ADR 0016): with it an array element starts its container once and runs
   * its items in it (the element wrapper); without, every item starts its own (the array wrapper).
   */
  itemRunner?: ItemRunner;
  /** Who runs the jobs, and how the agent gives them their directories. */
  jobFs: JobFilesystem;
  /** Where workflow runs keep their directories: <runsDir>/<run id>, bound at /cairn/run. */
  runsDir: string;
  defaultPartition?: string;
  /** People the agent may run jobs as (a command's runAs); without it, runAs is refused. */
  users?: RunAsUsers;
  /** The site's images: the attempt joins the conversion of its image (or finds the file) and is recorded as a use. */
  images: Pick<ImageCatalogue, 'materialize' | 'recordOf'>;
}

/** The run an attempt's image use is recorded for: its workflow run, or its job outside any workflow. */
export const imageRunIdOf = (command: SubmitAttemptCommand): string => command.spec.run?.id ?? command.jobId;

/** Slurm job name of an attempt: how the agent finds its jobs again after a restart. */
export const slurmJobName = (attemptId: string) => `cairn-${attemptId}`;

/** Element files written at the same time (each written, synced and renamed on its own). */
const ELEMENT_FILES_AT_ONCE = 32;

/** Slurm comment of an attempt: its name and the nonce recorded before sbatch ran. */
export const slurmJobComment = (attempt: Pick<Attempt, 'id' | 'status'>) =>
  attempt.status.nonce ? `${slurmJobName(attempt.id)}.${attempt.status.nonce}` : slurmJobName(attempt.id);

/**
 * The Slurm job a crashed agent submitted for this attempt, if any: named for the attempt,
 * running as the job user, and carrying the attempt's nonce in its comment (only the
 * agent knows it before sbatch runs). Of several, the first submitted (lowest job id): a
 * copy made later by someone who read the comment in squeue is never taken.
 */
export function findAdoptable(jobs: readonly SlurmJobInfo[], attempt: Pick<Attempt, 'id' | 'status'>, jobUser: string): SlurmJobInfo | undefined {
  const name = slurmJobName(attempt.id);
  const comment = slurmJobComment(attempt);
  const matches = jobs.filter((job) => job.name === name && job.user === jobUser && job.comment === comment);
  const idOf = (job: SlurmJobInfo) => Number(parseArrayTaskId(job.jobId).jobId);
  return matches.reduce<SlurmJobInfo | undefined>((best, job) => (best === undefined || idOf(job) < idOf(best) ? job : best), undefined);
}

const TRANSIENT = /unable to contact|socket timed out|connection refused|temporarily|try again|slurm_persist/i;

/**
 * Turns an accepted attempt into exactly one Slurm job: gets its image from the site's
 * catalogue (joining a conversion under way, recording the run as a use), writes the
 * argv and batch script, and runs sbatch — unless a job with the attempt's name already
 * exists (the agent died between sbatch and recording its id), which is adopted instead.
 */
export class AttemptSubmitter {
  /** Attempts whose image is being converted (they wait without holding up the others). */
  private readonly waitingImages = new Set<string>();
  /** Why an attempt's image could not be prepared, until the attempt is next looked at. */
  private readonly imageFailures = new Map<string, unknown>();
  private imageReady: ((attemptId: string) => void) | undefined;

  constructor(
    private readonly store: AttemptStore,
    private readonly slurm: SlurmRepository,
    private readonly runtime: ContainerRuntime,
    private readonly events: AttemptEvents,
    private readonly options: SubmitterOptions,
    private readonly logger: Logger,
  ) {}

  /** Returns false when the attempt should be tried again later (Slurm unreachable). */
  async submit(attempt: Attempt, knownJobs?: readonly SlurmJobInfo[]): Promise<boolean> {
    const command = attempt.command;
    if (!command || attempt.status.slurmJobId || attempt.status.final) return true;
    if (attempt.status.cancelRequested) {
      await this.events.publish(attempt, 'CANCELLED', { reason: 'cancelled before submission' });
      return true;
    }
    const log = this.logger.child({ attemptId: attempt.id, jobId: command.jobId });
    // A job submitted before a restart (or by an sbatch that failed after reaching the
    // controller) is adopted first, whatever the user rules say now: it runs already. Without
    // the snapshot taken at recovery, the queue is listed now.
    if (attempt.status.submitting) {
      let jobs = knownJobs;
      if (jobs === undefined) {
        try {
          jobs = await this.slurm.listJobs(this.adoptionListing([attempt]));
        } catch (error) {
          log.warn({ err: message(error) }, 'Slurm unreachable while looking for an earlier submission; will retry');
          return false;
        }
      }
      const found = findAdoptable(jobs, attempt, command.runAs?.posixUser ?? this.options.jobFs.user.name);
      if (found) {
        attempt.status.slurmJobId = parseArrayTaskId(found.jobId).jobId;
        attempt.status.submitting = false;
        await this.store.saveStatus(attempt);
        log.info({ slurmJobId: attempt.status.slurmJobId }, 'adopted the Slurm job submitted before a restart');
        return true;
      }
    }
    let user: JobUser;
    try {
      user = await this.userOf(command);
    } catch (error) {
      if (error instanceof CairnError && error.code === 'UNAVAILABLE') {
        log.warn({ err: error.message }, 'user lookup failed; will retry');
        return false;
      }
      log.warn({ err: (error as Error).message, runAs: command.runAs }, 'refused to run the attempt as its user');
      await this.events.publish(attempt, 'FAILED', { reason: (error as Error).message });
      return true;
    }
    const jobFs = this.options.jobFs.forUser(user);
    const image = await this.imageOf(attempt, command, log);
    if (image === 'waiting') return false;
    if (image === 'failed') return true;
    let workspace: Workspace;
    try {
      workspace = workspaceFor(attempt.dir, this.options.runsDir, command.spec.run);
      await jobFs.jobDir(this.store.outDir(attempt));
      // A workflow step's items each start in their own directory below the step's: the item
      // runner makes each as it starts the item (as the job's user); without it, every item's
      // own container start needs its directory there first, so the agent makes them all.
      const itemDirs = command.spec.run && command.array && !this.options.itemRunner ? itemIndices(command.array) : undefined;
      await createWorkspace(workspace, attempt.dir, jobFs, itemDirs);
    } catch (error) {
      log.error({ err: error, run: command.spec.run }, 'working directories could not be created');
      await this.events.publish(attempt, 'FAILED', { reason: `working directory could not be created: ${message(error)}` });
      return true;
    }
    const launch = await this.writeLaunchFiles(attempt, command, image, workspace);
    attempt.status.submitting = true;
    // The agent's own record of whose files the attempt's are (checked on every read of them).
    if (command.runAs) attempt.status.owner = { uid: user.uid, gid: user.gid };
    await this.store.saveStatus(attempt);
    const { resources } = command.spec;
    const out = this.store.outDir(attempt);
    try {
      attempt.status.slurmJobId = await this.slurm.submit({
        name: slurmJobName(attempt.id),
        comment: slurmJobComment(attempt),
        scriptPath: launch.scriptPath,
        // Slurm opens the output files as the job user: they go to the directory it owns.
        workDir: out,
        stdoutPath: join(out, launch.array ? 'stdout-%a' : 'stdout'),
        stderrPath: join(out, launch.array ? 'stderr-%a' : 'stderr'),
        ...(user.switchUser ? { runAs: { user: user.name, group: user.group } } : {}),
        ...(command.runAs ? { account: command.runAs.account } : {}),
        cpus: resources.cpus,
        memoryMb: resources.memoryMb,
        timeLimitSeconds: resources.timeLimitSeconds,
        partition: resources.partition ?? this.options.defaultPartition,
        ...(resources.nodes ? { nodes: resources.nodes } : {}),
        ...(resources.gpus ? { gpus: resources.gpus, ...(resources.gpuType ? { gpuType: resources.gpuType } : {}) } : {}),
        ...(launch.array ? { array: launch.array } : {}),
      });
    } catch (error) {
      if (error instanceof CommandFailedError && TRANSIENT.test(error.result.stderr)) {
        log.warn({ err: error.message }, 'Slurm unreachable; will retry');
        return false;
      }
      log.error({ err: error }, 'sbatch refused the job');
      attempt.status.submitting = false;
      await this.events.publish(attempt, 'FAILED', { reason: refusal(error, command.runAs) });
      return true;
    }
    attempt.status.submitting = false;
    await this.store.saveStatus(attempt);
    log.info({ slurmJobId: attempt.status.slurmJobId, elements: attempt.status.elements }, 'submitted to Slurm');
    return true;
  }

  /**
   * The listing in which the jobs of these attempts' earlier submissions would be: their
   * users' jobs, finished ones included (a job can end before the agent is back).
   */
  adoptionListing(attempts: readonly Pick<Attempt, 'command'>[]): SqueueFilter | undefined {
    const users = [...new Set([this.options.jobFs.user.name, ...attempts.map((a) => a.command?.runAs?.posixUser ?? this.options.jobFs.user.name)])];
    // More users than one listing names: every job the controller remembers.
    return users.length <= MAX_SQUEUE_USERS ? { users, finished: true } : undefined;
  }

  /** Called with an attempt's id when the conversion it waited for has ended (the agent submits it then). */
  onImageReady(listener: (attemptId: string) => void): void {
    this.imageReady = listener;
  }

  /**
   * The attempt's image from the site's catalogue, recording the run as a use. An image the
   * site does not hold yet is converted in the background (or the conversion under way is
   * joined): the attempt answers 'waiting' and comes back when it ends, so one conversion
   * never holds up the attempts of other images. A registry that does not answer is retried
   * (by the agent's retry tick); any other failure fails the attempt ('failed').
   */
  private async imageOf(attempt: Attempt, command: SubmitAttemptCommand, log: Logger): Promise<PreparedImage | 'waiting' | 'failed'> {
    const { pinned, digest } = command.image;
    const runId = imageRunIdOf(command);
    const failure = this.imageFailures.get(attempt.id);
    this.imageFailures.delete(attempt.id);
    if (failure !== undefined) {
      if (!(failure instanceof CairnError && failure.code === 'UNAVAILABLE')) {
        log.error({ err: failure }, 'image preparation failed');
        await this.events.publish(attempt, 'FAILED', { reason: `image ${pinned} could not be prepared: ${message(failure)}` });
        return 'failed';
      }
      log.warn({ err: message(failure) }, 'image could not be pulled; will retry');
    }
    if (this.waitingImages.has(attempt.id)) return 'waiting';
    if (this.options.images.recordOf(digest) === undefined) {
      this.waitingImages.add(attempt.id);
      void this.options.images.materialize(pinned, digest, { runId }).then(
        () => this.imageEnded(attempt.id, undefined),
        (error: unknown) => this.imageEnded(attempt.id, error),
      );
      return 'waiting';
    }
    try {
      const materialized = await this.options.images.materialize(pinned, digest, { runId });
      return { path: materialized.path, digest };
    } catch (error) {
      // Evicted between the look and the use: converted again on the next look.
      log.warn({ err: message(error) }, 'image went away before use; will retry');
      return 'waiting';
    }
  }

  private imageEnded(attemptId: string, error: unknown): void {
    this.waitingImages.delete(attemptId);
    if (error !== undefined) this.imageFailures.set(attemptId, error);
    // A registry that does not answer waits for the retry tick, not an immediate retry.
    if (!(error instanceof CairnError && error.code === 'UNAVAILABLE')) this.imageReady?.(attemptId);
  }

  /** Whom the attempt runs as: its person (checked, see RunAsUsers), or the site's job user. */
  private async userOf(command: SubmitAttemptCommand): Promise<JobUser> {
    if (!command.runAs) return this.options.jobFs.user;
    if (!this.options.users) throw new CairnError('FAILED_PRECONDITION', 'this agent does not run jobs as people (no user rules configured)');
    return this.options.users.resolveForJob(command.runAs.posixUser);
  }

  /**
   * Writes what the batch script runs: for a job, its argv; for an array, one element file
   * per array task, each item's argv with `${{ item }}` replaced and its own working
   * directory (see Workspace). The step directory exists (createWorkspace); the item
   * directories too, unless the item runner makes them.
   */
  private async writeLaunchFiles(
    attempt: Attempt,
    command: SubmitAttemptCommand,
    image: PreparedImage,
    workspace: Workspace,
  ): Promise<{ scriptPath: string; array?: string }> {
    const launch = (args: readonly string[], index?: number) =>
      this.runtime.launch({
        image,
        command: args,
        env: command.spec.env,
        scratchDir: attempt.dir,
        binds: workspace.binds,
        workDir: workspace.containerDir(index),
      });
    let wrapper = WRAPPER_SCRIPT;
    let array: string | undefined;
    if (command.array) {
      const { items, itemsPerElement, throttle } = command.array;
      const indices = itemIndices(command.array);
      await mkdir(join(attempt.dir, 'elements'), { recursive: true, mode: 0o755 });
      const elements = Math.ceil(items.length / itemsPerElement);
      const runner = this.options.itemRunner;
      const element = (k: number) => {
        const first = k * itemsPerElement;
        const slice = items.slice(first, first + itemsPerElement);
        const slots = slice.map((item, i) => ({ index: indices[first + i] as number, argv: substituteItem(command.spec.command, item) }));
        return runner
          ? encodeWorkList(slots.map(({ index, argv }) => ({ index, workDir: workspace.containerDir(index), argv })))
          : encodeElement(slots.map(({ index, argv }) => ({ index, argv: launch(argv, index).argv })));
      };
      // Written (and synced) a window at a time: one after another, a 200-element sweep's
      // files took a second and more before its sbatch.
      for (let from = 0; from < elements; from += ELEMENT_FILES_AT_ONCE) {
        const to = Math.min(from + ELEMENT_FILES_AT_ONCE, elements);
        const writes: Promise<string>[] = [];
        for (let k = from; k < to; k += 1) writes.push(this.store.writeFile(attempt, join('elements', String(k)), element(k)));
        await Promise.all(writes);
      }
      for (const file of launch(command.spec.command).files) await this.store.writeFile(attempt, file.path.slice(attempt.dir.length + 1), file.content, 0o644);
      if (runner) {
        // The element's one container start: the runner, bound from the agent's directory, is its command.
        const plan = this.runtime.launch({
          image,
          command: [`${this.runtime.toolsMount}/${runner.name}`],
          env: command.spec.env,
          scratchDir: attempt.dir,
          binds: workspace.binds,
          workDir: workspace.containerDir(),
          tools: runner.dir,
        });
        await this.store.writeFile(attempt, 'element-launch', encodeArgv(plan.argv));
      }
      attempt.status.elements = elements;
      wrapper = runner ? ELEMENT_WRAPPER_SCRIPT : ARRAY_WRAPPER_SCRIPT;
      array = `${elements === 1 ? '0' : `0-${elements - 1}`}${throttle ? `%${Math.min(throttle, elements)}` : ''}`;
    } else {
      const plan = launch(command.spec.command);
      for (const file of plan.files) await this.store.writeFile(attempt, file.path.slice(attempt.dir.length + 1), file.content, 0o644);
      await this.store.writeFile(attempt, 'argv', encodeArgv(plan.argv));
    }
    // What the wrapper hashes (an array item's outputs: below <step dir>/<index>).
    for (const list of hashLists(command.spec.run, this.options.runsDir, workspace.hostDir())) await this.store.writeFile(attempt, list.name, list.content);
    const scriptPath = await this.store.writeFile(
      attempt,
      'job.sh',
      renderBatchScript({ wrapper, attemptDir: attempt.dir, attemptId: attempt.id }),
      0o755,
    );
    return { scriptPath, ...(array ? { array } : {}) };
  }
}

function substituteItem(args: readonly string[], item: string | number): string[] {
  return args.map((arg) => arg.split(ITEM_PLACEHOLDER).join(String(item)));
}

/** Why sbatch refused; an account the user has no association with, said plainly. */
export function refusal(error: unknown, runAs: SubmitAttemptCommand['runAs']): string {
  const said = message(error);
  if (runAs && /invalid account|account\/partition combination|user's default account/i.test(said)) {
    return `Slurm refused to charge account ${runAs.account} for user ${runAs.posixUser}: the user has no association with that account on this site (${said})`;
  }
  return `Slurm refused the job: ${said}`;
}

function message(error: unknown): string {
  if (error instanceof CommandFailedError) return error.result.stderr.trim().split('\n').pop() ?? error.message;
  return (error as Error).message;
}
