import { randomBytes } from 'node:crypto';
import { chmod, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DynamicModule, Module } from '@nestjs/common';
import { type ContainerRuntimeKind, createContainerRuntime } from '@cairn/adapters/container-runtime';
import { JetStreamRepository, type NatsConnection } from '@cairn/adapters/nats';
import { ProcessRepository } from '@cairn/adapters/process';
import { SlurmRepository } from '@cairn/adapters/slurm';
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
import { SiteAgent } from './site-agent.service';
import { SlurmPoller } from './slurm-poller';
import { agentDir, JobFilesystem } from './job-fs';
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
  containerRuntime: ContainerRuntimeKind;
  insecureRegistries: readonly string[];
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
 * change them: the agent's files in the agent's directory (replaced atomically).
 */
export async function installWrappers(workDir: string): Promise<{ wrapperPath: string; arrayWrapperPath: string }> {
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
  return { wrapperPath: await install('cairn-wrap', WRAPPER_SCRIPT), arrayWrapperPath: await install('cairn-wrap-array', ARRAY_WRAPPER_SCRIPT) };
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
    const users = new RunAsUsers(processes, runAs, agentId, runAs.cacheSeconds * 1000);
    await agentDir(options.workDir, 0o755);
    const slurm = new SlurmRepository(processes);
    const cacheDir = join(options.workDir, 'images');
    await agentDir(cacheDir, 0o755);
    const runtime = createContainerRuntime(options.containerRuntime, processes, { cacheDir, insecureRegistries: options.insecureRegistries });
    const store = new AttemptStore(join(options.workDir, 'attempts'));
    const events = new AttemptEvents(options.site, store, new JetStreamRepository(options.nats), logger.child({ context: 'AttemptEvents' }));
    const wrappers = await installWrappers(options.workDir);
    await agentDir(options.runsDir, 0o755);
    const submitter = new AttemptSubmitter(
      store,
      slurm,
      runtime,
      events,
      { ...wrappers, jobFs, users, runsDir: options.runsDir, defaultPartition: options.defaultPartition },
      logger.child({ context: 'AttemptSubmitter' }),
    );
    const poller = new SlurmPoller(store, slurm, events, logger.child({ context: 'SlurmPoller' }));
    logger.info({ jobUser: jobUser.name, uid: jobUser.uid, gid: jobUser.gid, switchUser: jobUser.switchUser }, 'jobs run as the job user');
    const agent = new SiteAgent(
      options.site,
      store,
      slurm,
      submitter,
      poller,
      { pollMs: options.pollIntervalMs, retryMs: 5000 },
      { resourceClasses: options.resourceClasses, defaultPartition: options.defaultPartition },
      logger.child({ context: 'SiteAgent' }),
      users,
    );
    return {
      module: SiteAgentModule,
      controllers: [AgentNatsController],
      providers: [
        { provide: SiteAgent, useValue: agent },
        { provide: PersonReads, useValue: new PersonReads(options.runsDir, jobUser, users, processes) },
      ],
    };
  }
}
