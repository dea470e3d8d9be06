import { join } from 'node:path';
import { subjects } from '@cairn/contracts';
import type { ServiceDefinition } from '@cairn/service-kit';
import { agentSubject } from './agent.nats.controller';
import { agentSettings } from './agent-settings';
import { SiteAgentModule } from './site-agent.module';

/** The agent service: its settings and its wiring from them; apps/agent only runs it. */
export const agentService: ServiceDefinition<typeof agentSettings> = {
  service: 'agent',
  settings: agentSettings,
  subjectFor: (pattern, config) => agentSubject(pattern, config.site),
  // Only subjects under the site's prefix: NATS permissions confine an agent to them.
  healthSubjects: (config) => [subjects.site(config.site).health],
  module: ({ config, nats, logger }) => {
    const workDir = config.workDir ?? join(config.dataDir, 'agent', config.site);
    return SiteAgentModule.register({
      site: config.site,
      nats,
      logger: logger.child({ site: config.site }),
      workDir,
      runsDir: config.runsDir ?? join(workDir, 'runs'),
      pollIntervalMs: config.pollIntervalMs,
      maxPollIntervalMs: config.maxPollIntervalMs,
      glanceMs: config.glanceMs,
      submitConcurrency: config.submitConcurrency,
      containerRuntime: config.containerRuntime,
      charliecloudImageForm: config.charliecloudImageForm,
      insecureRegistries: config.insecureRegistries,
      ...(config.registryAuthFile ? { registryAuthFile: config.registryAuthFile } : {}),
      ...(config.sitePlatform ? { sitePlatform: config.sitePlatform } : {}),
      ...(config.imageDir ? { imageDir: config.imageDir } : {}),
      defaultPartition: config.defaultPartition,
      resourceClasses: config.resourceClasses,
      jobUser: config.jobUser,
      runAs: { minUid: config.minUid, allowed: config.allowedUsers, denied: config.deniedUsers, cacheSeconds: config.userCacheSeconds },
      ...(config.configFile ? { configFile: config.configFile } : {}),
    });
  },
};
