import { databaseSettings, intIn, setting } from '@cairn/config';

/** The provenance service's settings: docs/configuration.md, "provenance". */
export const provenanceSettings = {
  ...databaseSettings,
  ingestBatch: setting(
    'CAIRN_PROVENANCE_INGEST_BATCH',
    intIn(1, 10_000, 1000),
    'most events the provenance service records in one transaction (each stream is read in batches of what arrived meanwhile, up to this many)',
  ),
  ingestGatherMs: setting(
    'CAIRN_PROVENANCE_INGEST_GATHER_MS',
    intIn(0, 10_000, 100),
    'how long an event waits for others to be recorded with it in one transaction (ms; 0: batches are only what arrived while the previous one was written)',
  ),
};
