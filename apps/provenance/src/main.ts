import { Module } from '@nestjs/common';
import { runService } from '@cairn/service-kit';

/** Not built yet: the provenance service starts, answers health probes and does nothing else. */
@Module({})
class ProvenanceModule {}

void runService({ service: 'provenance', settings: {}, module: () => ({ module: ProvenanceModule }) });
