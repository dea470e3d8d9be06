import { Module } from '@nestjs/common';
import { runService } from '@cairn/service-kit';

/** Not built yet: the staging service starts, answers health probes and does nothing else. */
@Module({})
class StagingModule {}

void runService({ service: 'staging', settings: {}, module: () => ({ module: StagingModule }) });
