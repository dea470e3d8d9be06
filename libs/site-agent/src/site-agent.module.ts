import { randomBytes } from 'node:crypto';
import { chmod, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DynamicModule, Module } from '@nestjs/common';
import { type CharliecloudImageForm, type ContainerRuntimeKind, createContainerRuntime, ImageCatalogue, ImageMaterializer } from '@cairn/adapters/container-runtime';
import { JetStreamRepository, type NatsConnection } from '@cairn/adapters/nats';
import { ProcessRepository } from '@cairn/adapters/process';
import { SlurmAccountingRepository, SlurmRepository } from '@cairn/adapters/slurm';
import type { ResourceClass } from '@cairn/contracts';
import type { Logger } from '@cairn/logging';
import { AgentNatsController } from './agent.nats.controller';
import { AttemptEvents } from './attempt-events';
import { AttemptStore } from './attempt-store';
import { AttemptSubmitter } from './attempt-submitter';
import { PersonReads } from './person-reads';
import { RunAsUsers, type RunAsPolicy } from './run-as-user';
import { ARRAY_WRAPPER_SCRIPT } from './array-element';
import { WRAPPER_SCRIPT } from './batch-script';
import { ELEMENT_WRAPPER_SCRIPT, prepareItemRunner } from './element-launch';
import { ADOPT_GRACE_MS, DEFAULT_SUBMIT_CONCURRENCY, SiteAgent } from './site-agent.service';
import { ImageProgressPublisher } from './image-progress';
import { SiteImages } from './site-images';
import { sitePlatform } from './site-platform';
import { checkRegistryAuthFile } from './registry-auth-file';
import { SlurmPoller } from './slurm-poller';
import { backoffFactor } from './poll-backoff';
import { agentDir, JobFilesystem } from './job-fs';
import { checkReachableByJobs, jobUserGroups, PersonReach } from './job-reach';
import { checkNotReadableByJobs, resolveJobUser } from './job-user';

export interface SiteAgentOptions {
  site: string;
  nats: NatsConnection;
  logger: Logger;
  /** The agent's own directory on the cluster filesystem (visible to compute nodes). */
  workDir: string;
  /** Workflow runs' directories, <runsDir>/<run id>, on a filesystem compute nodes share. */
  runsDir: string;
  pollIntervalMs: number;
  /** While listings change nothing, the poll interval doubles up to this (default: no back-off). */
  maxPollIntervalMs?: number;
  /** How often the wrappers' files are looked at between polls (default 0: only at each poll). */
  glanceMs?: number;
  /** sbatch processes run at once (default DEFAULT_SUBMIT_CONCURRENCY). */
  submitConcurrency?: number;
  containerRuntime: ContainerRuntimeKind;
  /** How Charliecloud images are kept (CAIRN_CHARLIECLOUD_IMAGE_FORM, ADR 0021; default squashfs). */
  charliecloudImageForm?: CharliecloudImageForm;
  insecureRegistries: readonly string[];
  /** containers-auth.json given to skopeo (CAIRN_REGISTRY_AUTH_FILE). */
  registryAuthFile?: string;
  /** os/arch[/variant] (CAIRN_SITE_PLATFORM); unset: the host's. */
  sitePlatform?: string;
  /** Converted images and catalogue.json (CAIRN_AGENT_IMAGE_DIR; default <workDir>/images). */
  imageDir?: string;
  defaultPartition?: string;
  resourceClasses: Record<string, ResourceClass>;
  /** The unprivileged user jobs run as (CAIRN_AGENT_JOB_USER); never root. */
  jobUser: string;
  /** The agent's config file, if any: refused when the job user could read it. */
  configFile?: string;
  /** Which people jobs may run as (a command's runAs) and how long a getent answer is kept. */
  runAs?: RunAsPolicy & { cacheSeconds: number };
}


/**
 * Installs the job wrappers (single job, array element) where jobs can run them but not
 * change them: the agent's files in the agent's directory (replaced atomically). A job's
 * batch script is its wrapper's text (renderBatchScript); these files are the same text, to
 * read and to run by hand.
 */
export async function installWrappers(workDir: string): Promise<{ wrapperPath: string; arrayWrapperPath: string; elementWrapperPath: string }> {
  const bin = join(workDir, 'bin');
  await agentDir(bin, 0o755);
  const install = async (name: string, content: string) => {
    const path = join(bin, name);
    const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
    await writeFile(tmp, content, { mode: 0o755, flag: 'wx' });
    await chmod(tmp, 0o755);
    await rename(tmp, path);
    return path;
  };
  return {
    wrapperPath: await install('cairn-wrap', WRAPPER_SCRIPT),
    arrayWrapperPath: await install('cairn-wrap-array', ARRAY_WRAPPER_SCRIPT),
    elementWrapperPath: await install('cairn-wrap-element', ELEMENT_WRAPPER_SCRIPT),
  };
}

/** The agent capability, wired for one site. */
@Module({})
export class SiteAgentModule {
  static async register(options: SiteAgentOptions): Promise<DynamicModule> {
    const { logger } = options;
    const processes = new ProcessRepository();
    // Jobs never run as root: refuse to start with one line naming the setting.
    const jobUser = await resolveJobUser(options.jobUser, processes, { uid: process.getuid?.() ?? -1 });
    if (options.configFile) await checkNotReadableByJobs(options.configFile, jobUser);
    const jobFs = new JobFilesystem(jobUser, processes);
    const agentId = { uid: process.getuid?.() ?? -1 };
    const runAs = options.runAs ?? { minUid: 1000, allowed: [], denied: [], cacheSeconds: 60 };
    await agentDir(options.workDir, 0o755);
    const slurm = new SlurmRepository(processes);
    const platform = sitePlatform(options.sitePlatform);
    if (options.registryAuthFile) await checkRegistryAuthFile(options.registryAuthFile);
    const imageDir = options.imageDir ?? join(options.workDir, 'images');
    await agentDir(imageDir, 0o755);
    await agentDir(options.runsDir, 0o755);
    // Jobs run as the job user (or their owners) and open their output under these: the
    // job user is checked now, each person before their jobs are accepted.
    const jobDirs = [
      { setting: 'CAIRN_AGENT_WORK_DIR', path: options.workDir },
      { setting: 'CAIRN_AGENT_IMAGE_DIR', path: imageDir },
      { setting: 'CAIRN_AGENT_RUNS_DIR', path: options.runsDir },
    ];
    const groups = await jobUserGroups(jobUser, processes);
    for (const { setting, path } of jobDirs) await checkReachableByJobs(setting, path, jobUser, groups);
    const reach = new PersonReach(processes, jobDirs, runAs.cacheSeconds * 1000);
    const users = new RunAsUsers(processes, runAs, agentId, runAs.cacheSeconds * 1000, { reach });
    const runtime = createContainerRuntime(options.containerRuntime, processes, options.charliecloudImageForm ? { charliecloudImageForm: options.charliecloudImageForm } : {});
    const access = { insecureRegistries: options.insecureRegistries, ...(options.registryAuthFile ? { authFile: options.registryAuthFile } : {}) };
    // The agent decides whether an image is in use: an attempt it follows (not final) runs it.
    const following: { agent?: SiteAgent } = {};
    const images = await ImageCatalogue.open({
      dir: imageDir,
      runtime: runtime.name,
      materializer: new ImageMaterializer(processes, runtime.converter, access),
      inUse: (digest) => following.agent?.tracked().some((attempt) => !attempt.status.final && attempt.command?.image.digest === digest) ?? false,
      onProgress: ImageProgressPublisher.on(options.nats, options.site).hear,
    });
    const store = new AttemptStore(join(options.workDir, 'attempts'));
    const events = new AttemptEvents(options.site, store, new JetStreamRepository(options.nats), logger.child({ context: 'AttemptEvents' }));
    const { elementWrapperPath } = await installWrappers(options.workDir);
    const itemRunner = await prepareItemRunner(options.workDir, elementWrapperPath, processes, logger.child({ context: 'ItemRunner' }));
    const submitter = new AttemptSubmitter(
      store,
      slurm,
      runtime,
      events,
      { ...(itemRunner ? { itemRunner } : {}), jobFs, users, images, runsDir: options.runsDir, defaultPartition: options.defaultPartition },
      logger.child({ context: 'AttemptSubmitter' }),
    );
    const poller = new SlurmPoller(store, slurm, events, logger.child({ context: 'SlurmPoller' }), {
      jobUser: jobUser.name,
      accounting: new SlurmAccountingRepository(processes),
      backoffFactor: backoffFactor(options.pollIntervalMs, options.maxPollIntervalMs ?? options.pollIntervalMs),
    });
    logger.info({ jobUser: jobUser.name, uid: jobUser.uid, gid: jobUser.gid, switchUser: jobUser.switchUser }, 'jobs run as the job user');
    const agent = new SiteAgent(
      options.site,
      store,
      slurm,
      submitter,
      poller,
      { pollMs: options.pollIntervalMs, retryMs: 5000, glanceMs: options.glanceMs ?? 0 },
      { resourceClasses: options.resourceClasses, defaultPartition: options.defaultPartition },
      logger.child({ context: 'SiteAgent' }),
      users,
      ADOPT_GRACE_MS,
      options.submitConcurrency ?? DEFAULT_SUBMIT_CONCURRENCY,
    );
    following.agent = agent;
    return {
      module: SiteAgentModule,
      controllers: [AgentNatsController],
      providers: [
        { provide: SiteAgent, useValue: agent },
        { provide: PersonReads, useValue: new PersonReads(options.runsDir, jobUser, users, processes) },
        { provide: SiteImages, useValue: new SiteImages(images, platform, logger.child({ context: 'SiteImages' })) },
      ],
    };
  }
}
