import { Module } from '@nestjs/common';
import { runService, type ServiceDefinition } from '@cairn/service-kit';
import { openProvenanceDatabase, ProvenanceModule, provenanceSettings } from '@cairn/provenance';

/** The provenance service's root module. */
@Module({})
class ProvenanceServiceModule {}

/** The provenance service: records job, run and image events as a PROV graph and answers its queries (docs/provenance.md). */
const provenanceService: ServiceDefinition<typeof provenanceSettings> = {
  service: 'provenance',
  settings: provenanceSettings,
  module: async ({ config, nats, logger }) => {
    const database = await openProvenanceDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
    return { module: ProvenanceServiceModule, imports: [ProvenanceModule.register({ database, nats, logger, ingestBatch: config.ingestBatch, ingestGatherMs: config.ingestGatherMs })] };
  },
};

void runService(provenanceService);
