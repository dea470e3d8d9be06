import { type Kysely, type Migration, sql } from '@cairn/adapters/postgres';

/**
 * The PROV graph (nodes, edges), the runs it belongs to (owner for the access policy,
 * submitted source), what is known of each job, hashed files waiting for their job's
 * facts, and the ids of the events recorded (ingest is idempotent).
 */
export const m0001ProvenanceGraph: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`CREATE TABLE prov_nodes (
      id TEXT PRIMARY KEY,
      type TEXT NOT NULL,
      run_id TEXT NOT NULL,
      run_sure BOOLEAN NOT NULL,
      attributes JSONB NOT NULL,
      attribute_keys JSONB NOT NULL,
      sha256 TEXT GENERATED ALWAYS AS (CASE WHEN type = 'file' THEN attributes->>'sha256' END) STORED,
      digest TEXT GENERATED ALWAYS AS (CASE WHEN type = 'image' THEN attributes->>'digest' END) STORED
    )`.execute(db);
    await sql`CREATE INDEX prov_nodes_run ON prov_nodes (run_id, id)`.execute(db);
    await sql`CREATE INDEX prov_nodes_sha256 ON prov_nodes (sha256) WHERE sha256 IS NOT NULL`.execute(db);
    await sql`CREATE INDEX prov_nodes_digest ON prov_nodes (digest) WHERE digest IS NOT NULL`.execute(db);
    await sql`CREATE TABLE prov_edges (
      relation TEXT NOT NULL,
      from_id TEXT NOT NULL,
      to_id TEXT NOT NULL,
      run_id TEXT NOT NULL,
      attributes JSONB NOT NULL,
      PRIMARY KEY (relation, from_id, to_id)
    )`.execute(db);
    await sql`CREATE INDEX prov_edges_from ON prov_edges (from_id)`.execute(db);
    await sql`CREATE INDEX prov_edges_to ON prov_edges (to_id)`.execute(db);
    await sql`CREATE INDEX prov_edges_run ON prov_edges (run_id, to_id)`.execute(db);
    await sql`CREATE TABLE prov_runs (
      run_id TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      owner_issuer TEXT,
      owner_subject TEXT,
      owner_name TEXT,
      account TEXT,
      site TEXT,
      name TEXT,
      file_name TEXT,
      source TEXT,
      source_sha256 TEXT,
      params JSONB,
      images JSONB,
      rerun_of TEXT,
      state TEXT,
      state_key BIGINT NOT NULL,
      final BOOLEAN NOT NULL
    )`.execute(db);
    await sql`CREATE TABLE prov_jobs (
      job_id TEXT PRIMARY KEY,
      run_id TEXT NOT NULL,
      run_sure BOOLEAN NOT NULL,
      final BOOLEAN NOT NULL,
      has_facts BOOLEAN NOT NULL,
      step_dir TEXT,
      site TEXT,
      uses JSONB
    )`.execute(db);
    await sql`CREATE INDEX prov_jobs_run ON prov_jobs (run_id) WHERE NOT final`.execute(db);
    await sql`CREATE TABLE prov_deferred (job_id TEXT NOT NULL, event_id TEXT NOT NULL, payload JSONB NOT NULL, PRIMARY KEY (job_id, event_id))`.execute(db);
    await sql`CREATE TABLE prov_events (id TEXT PRIMARY KEY)`.execute(db);
    // Key-by-key attribute merges: a key takes the new value when the event that sets it is
    // not older than the one that set the value held (keys: each key's event ordering key).
    await sql`CREATE FUNCTION prov_merge_values(cur JSONB, cur_keys JSONB, new JSONB, new_keys JSONB) RETURNS JSONB
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT cur || COALESCE((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(new) AS e
          WHERE COALESCE((cur_keys->>e.key)::numeric, -1) <= COALESCE((new_keys->>e.key)::numeric, 0)), '{}'::jsonb)
      $$`.execute(db);
    await sql`CREATE FUNCTION prov_merge_keys(cur_keys JSONB, new_keys JSONB) RETURNS JSONB
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT cur_keys || COALESCE((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(new_keys) AS e
          WHERE COALESCE((cur_keys->>e.key)::numeric, -1) <= (e.value #>> '{}')::numeric), '{}'::jsonb)
      $$`.execute(db);
  },
};
