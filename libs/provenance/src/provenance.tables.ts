import type { ColumnType } from '@cairn/adapters/postgres';

type Json<T> = ColumnType<T, string, string>;
/** bigint columns: read as text (pg), written as numbers. */
type BigIntColumn = ColumnType<string, number | string, number | string>;

/** The schema the provenance service owns (docs/provenance.md). */
export const PROVENANCE_SCHEMA = 'provenance';

/**
 * One node of the PROV graph. Its type and its run follow from its id (graph-ids.ts), but a
 * job's run is only sure once its facts (or a step listing it) were recorded: `run_sure`.
 * `attributes` merge key by key: each key keeps the value of the latest event that set it
 * (`attribute_keys`: the ordering key of that event), so events applied in any order give
 * the same node.
 */
export interface ProvNodesTable {
  id: string;
  type: string;
  run_id: string;
  run_sure: boolean;
  attributes: Json<Record<string, string>>;
  attribute_keys: Json<Record<string, number>>;
  /** Generated: a file node's sha256, an image node's digest (lineage starts). */
  sha256: ColumnType<string | null, never, never>;
  digest: ColumnType<string | null, never, never>;
}

/** One relation; unique by (relation, from, to). `run_id`: the run of its `from` node. */
export interface ProvEdgesTable {
  relation: string;
  from_id: string;
  to_id: string;
  run_id: string;
  attributes: Json<Record<string, string>>;
}

/**
 * A workflow run, or a job outside any workflow (its own run): who owns it (the access
 * policy), what was submitted (run-source), and its state.
 */
export interface ProvRunsTable {
  run_id: string;
  kind: 'workflow' | 'job';
  owner_issuer: string | null;
  owner_subject: string | null;
  owner_name: string | null;
  account: string | null;
  site: string | null;
  name: string | null;
  file_name: string | null;
  source: string | null;
  source_sha256: string | null;
  params: Json<Record<string, string | number | boolean>> | null;
  images: Json<Array<{ reference: string; imageRef: string; digest: string }>> | null;
  rerun_of: string | null;
  state: string | null;
  state_key: BigIntColumn;
  final: boolean;
}

/**
 * What provenance knows of each job: its run, whether it ended, and from its facts what
 * its outputs are relative to (step directory), its site and the earlier outputs it uses.
 */
export interface ProvJobsTable {
  job_id: string;
  run_id: string;
  run_sure: boolean;
  final: boolean;
  has_facts: boolean;
  step_dir: string | null;
  site: string | null;
  uses: Json<string[]> | null;
}

/** Hashed files reported before their job's facts: linked as soon as the facts arrive. */
export interface ProvDeferredTable {
  job_id: string;
  event_id: string;
  payload: Json<unknown>;
}

/** Every event recorded, by id: a redelivered one is skipped. */
export interface ProvEventsTable {
  id: string;
}

export interface ProvenanceDb {
  prov_nodes: ProvNodesTable;
  prov_edges: ProvEdgesTable;
  prov_runs: ProvRunsTable;
  prov_jobs: ProvJobsTable;
  prov_deferred: ProvDeferredTable;
  prov_events: ProvEventsTable;
}
