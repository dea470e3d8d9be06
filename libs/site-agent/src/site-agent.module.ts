import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DynamicModule, Module } from '@nestjs/common';
import { ApptainerRuntime, CharliecloudRuntime, type ContainerRuntime } from '@cairn/adapters/container-runtime';
import { JetStreamRepository, type NatsConnection } from '@cairn/adapters/nats';
import { ProcessRepository } from '@cairn/adapters/process';
import { SlurmRepository } from '@cairn/adapters/slurm';
import type { ResourceClass } from '@cairn/contracts';
import type { Logger } from '@cairn/logging';
import { AgentNatsController } from './agent.nats.controller';
import { AttemptEvents } from './attempt-events';
import { AttemptStore } from './attempt-store';
import { AttemptSubmitter } from './attempt-submitter';
import { RunFiles } from './run-files';
import { ARRAY_WRAPPER_SCRIPT } from './array-element';
import { WRAPPER_SCRIPT } from './batch-script';
import { SiteAgent } from './site-agent.service';
import { SlurmPoller } from './slurm-poller';

export interface SiteAgentOptions {
  site: string;
  nats: NatsConnection;
  logger: Logger;
  /** The agent's own directory on the cluster filesystem (visible to compute nodes). */
  workDir: string;
  /** Workflow runs' directories, <runsDir>/<run id>, on a filesystem compute nodes share. */
  runsDir: string;
  pollIntervalMs: number;
  containerRuntime: 'charliecloud' | 'apptainer';
  insecureRegistries: readonly string[];
  defaultPartition?: string;
  resourceClasses: Record<string, ResourceClass>;
}

/** Installs the job wrappers (single job, array element) where jobs can run them. */
export async function installWrappers(workDir: string): Promise<{ wrapperPath: string; arrayWrapperPath: string }> {
  const bin = join(workDir, 'bin');
  await mkdir(bin, { recursive: true });
  const install = async (name: string, content: string) => {
    const path = join(bin, name);
    await writeFile(path, content, { mode: 0o755 });
    await chmod(path, 0o755);
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
    const slurm = new SlurmRepository(processes);
    const cacheDir = join(options.workDir, 'images');
    const runtime: ContainerRuntime =
      options.containerRuntime === 'apptainer'
        ? new ApptainerRuntime(processes, { cacheDir, insecureRegistries: options.insecureRegistries })
        : new CharliecloudRuntime(processes, { cacheDir, insecureRegistries: options.insecureRegistries });
    const store = new AttemptStore(join(options.workDir, 'attempts'));
    const events = new AttemptEvents(options.site, store, new JetStreamRepository(options.nats), logger.child({ context: 'AttemptEvents' }));
    const wrappers = await installWrappers(options.workDir);
    await mkdir(options.runsDir, { recursive: true });
    const submitter = new AttemptSubmitter(
      store,
      slurm,
      runtime,
      events,
      { ...wrappers, runsDir: options.runsDir, defaultPartition: options.defaultPartition },
      logger.child({ context: 'AttemptSubmitter' }),
    );
    const poller = new SlurmPoller(store, slurm, events, logger.child({ context: 'SlurmPoller' }));
    const agent = new SiteAgent(
      options.site,
      store,
      slurm,
      submitter,
      poller,
      { pollMs: options.pollIntervalMs, retryMs: 5000 },
      { resourceClasses: options.resourceClasses, defaultPartition: options.defaultPartition },
      logger.child({ context: 'SiteAgent' }),
    );
    return {
      module: SiteAgentModule,
      controllers: [AgentNatsController],
      providers: [
        { provide: SiteAgent, useValue: agent },
        { provide: RunFiles, useValue: new RunFiles(options.runsDir) },
      ],
    };
  }
}
