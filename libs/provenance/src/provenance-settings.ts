import { databaseSettings, intIn, setting } from '@cairn/config';

/** The provenance service's settings: docs/configuration.md, "provenance". */
export const provenanceSettings = {
  ...databaseSettings,
  ingestBatch: setting(
    'CAIRN_PROVENANCE_INGEST_BATCH',
    intIn(1, 10_000, 1000),
    'most events the provenance service records in one transaction (each stream is read in batches of what arrived meanwhile, up to this many)',
  ),
};
