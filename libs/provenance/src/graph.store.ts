import { type Kysely, likePrefix, type Selectable, type Transaction } from '@cairn/adapters/postgres';
import { type DeferredPayload, mapEvent, type MappingContext, type ProvEvent } from './event-mapping';
import { GraphBatch, type JobContext } from './graph-batch';
import type { ProvEdgesTable, ProvenanceDb, ProvNodesTable, ProvRunsTable } from './provenance.tables';

export type NodeRow = Pick<Selectable<ProvNodesTable>, 'id' | 'type' | 'run_id' | 'attributes'>;
export type EdgeRow = Pick<Selectable<ProvEdgesTable>, 'relation' | 'from_id' | 'to_id' | 'attributes'>;
export type RunRow = Selectable<ProvRunsTable>;

/** Rows per statement: well below PostgreSQL's 65,535 parameters. */
const CHUNK = 1000;

function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK));
  return out;
}

/** PostgreSQL text and jsonb cannot hold NUL: it becomes U+FFFD, in every string and key, at any depth. */
export function scrub<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\u0000') ? value.replaceAll('\u0000', '\ufffd') : value) as T;
  if (Array.isArray(value)) return value.map(scrub) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [scrub(k), scrub(v)])) as T;
  return value;
}
const json = (value: unknown): string => JSON.stringify(scrub(value));
const text = (value: string | undefined | null): string | null => (value === undefined || value === null ? null : scrub(value));

const byKey = <T>(key: (row: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/** Which job ids an event needs the facts of. */
function jobIdsOf(event: ProvEvent): string[] {
  if (event.stream === 'jobs') return [event.event.jobId];
  if (event.stream === 'workflows' && event.event.items) return event.event.items.items.map((item) => item.jobId);
  return [];
}

/**
 * The provenance graph in PostgreSQL. Writes come in batches of events, each batch in one
 * transaction: events already recorded (by id) are skipped, the rest mapped to node, edge,
 * run and job upserts that merge with what is there the same way whatever the order.
 */
export class GraphStore {
  constructor(private readonly db: Kysely<ProvenanceDb>) {}

  /** Records a batch of events in one transaction; returns how many were new. */
  async record(events: readonly ProvEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    return this.db.transaction().execute(async (tx) => {
      const fresh = await this.claim(tx, events);
      if (fresh.length === 0) return 0;
      const batch = await this.map(tx, fresh);
      await this.write(tx, batch.graph, batch.deferred, batch.resolved);
      return fresh.length;
    });
  }

  /** Inserts the events' ids; those already there were recorded before and are dropped. */
  private async claim(tx: Transaction<ProvenanceDb>, events: readonly ProvEvent[]): Promise<ProvEvent[]> {
    const unique = new Map(events.map((event) => [event.id, event]));
    const claimed = new Set<string>();
    for (const part of chunks([...unique.keys()].sort())) {
      const rows = await tx
        .insertInto('prov_events')
        .values(part.map((id) => ({ id })))
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .execute();
      for (const row of rows) claimed.add(row.id);
    }
    return [...unique.values()].filter((event) => claimed.has(event.id));
  }

  private async map(tx: Transaction<ProvenanceDb>, events: ProvEvent[]) {
    const jobIds = [...new Set(events.flatMap(jobIdsOf))];
    const contexts = new Map<string, JobContext>();
    for (const part of chunks(jobIds)) {
      const rows = await tx.selectFrom('prov_jobs').select(['job_id', 'run_id', 'step_dir', 'site', 'uses']).where('job_id', 'in', part).where('has_facts', '=', true).execute();
      for (const row of rows) contexts.set(row.job_id, { runId: row.run_id, ...(row.step_dir !== null ? { stepDir: row.step_dir } : {}), site: row.site ?? '', uses: row.uses ?? [] });
    }
    // Files reported earlier for jobs whose facts come in this batch.
    const factsNow = [...new Set(events.flatMap((e) => (e.stream === 'jobs' && e.event.facts && !contexts.has(e.event.jobId) ? [e.event.jobId] : [])))];
    const parkedBefore = new Map<string, DeferredPayload[]>();
    for (const part of chunks(factsNow)) {
      const rows = await tx.selectFrom('prov_deferred').select(['job_id', 'payload']).where('job_id', 'in', part).orderBy('event_id').execute();
      for (const row of rows) parkedBefore.set(row.job_id, [...(parkedBefore.get(row.job_id) ?? []), row.payload as DeferredPayload]);
    }
    const deferred = new Map<string, { jobId: string; eventId: string; payload: DeferredPayload }>();
    const resolved = new Set<string>();
    const graph = new GraphBatch();
    const ctx: MappingContext = {
      context: (jobId) => contexts.get(jobId),
      setContext: (jobId, context) => void contexts.set(jobId, context),
      defer: (jobId, eventId, payload) => void deferred.set(`${jobId}\u0000${eventId}`, { jobId, eventId, payload }),
      takeDeferred: (jobId) => {
        const taken = [...(parkedBefore.get(jobId) ?? [])];
        parkedBefore.delete(jobId);
        resolved.add(jobId);
        for (const [k, row] of deferred) {
          if (row.jobId !== jobId) continue;
          taken.push(row.payload);
          deferred.delete(k);
        }
        return taken;
      },
    };
    for (const event of events) mapEvent(graph, event, ctx);
    return { graph, deferred: [...deferred.values()], resolved: [...resolved] };
  }

  private async write(tx: Transaction<ProvenanceDb>, graph: GraphBatch, deferred: Array<{ jobId: string; eventId: string; payload: DeferredPayload }>, resolved: string[]): Promise<void> {
    // Rows in key order: concurrent writers lock them in the same order.
    const nodes = [...graph.nodes.values()].sort(byKey((n) => n.id));
    for (const part of chunks(nodes)) {
      await tx
        .insertInto('prov_nodes')
        .values(
          part.map((n) => ({
            id: n.id,
            type: n.id.slice(0, n.id.indexOf(':')) === 'workflow' ? 'workflow-file' : n.id.slice(0, n.id.indexOf(':')),
            run_id: n.runId,
            run_sure: n.runSure,
            attributes: json(n.attributes),
            attribute_keys: json(n.keys),
          })),
        )
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            attributes: eb.fn<string>('prov_merge_values', [eb.ref('prov_nodes.attributes'), eb.ref('prov_nodes.attribute_keys'), eb.ref('excluded.attributes'), eb.ref('excluded.attribute_keys')]),
            attribute_keys: eb.fn<string>('prov_merge_keys', [eb.ref('prov_nodes.attribute_keys'), eb.ref('excluded.attribute_keys')]),
            run_id: eb
              .case()
              .when(eb.or([eb('excluded.run_sure', '=', true), eb('prov_nodes.run_sure', '=', false)]))
              .then(eb.ref('excluded.run_id'))
              .else(eb.ref('prov_nodes.run_id'))
              .end(),
            run_sure: eb.or([eb('prov_nodes.run_sure', '=', true), eb('excluded.run_sure', '=', true)]).$castTo<boolean>(),
          })),
        )
        .execute();
    }
    const edges = [...graph.edges.values()].sort(byKey((e) => `${e.relation}\u0000${e.from}\u0000${e.to}`));
    for (const part of chunks(edges)) {
      await tx
        .insertInto('prov_edges')
        .values(part.map((e) => ({ relation: e.relation, from_id: e.from, to_id: e.to, run_id: e.runId, attributes: json(e.attributes) })))
        .onConflict((oc) => oc.columns(['relation', 'from_id', 'to_id']).doNothing())
        .execute();
    }
    const runs = [...graph.runs.values()].sort(byKey((r) => r.runId));
    for (const part of chunks(runs)) {
      await tx
        .insertInto('prov_runs')
        .values(
          part.map((r) => ({
            run_id: r.runId,
            kind: r.kind,
            owner_issuer: text(r.owner?.issuer),
            owner_subject: text(r.owner?.subject),
            owner_name: text(r.owner?.name),
            account: text(r.account),
            site: text(r.site),
            name: text(r.name),
            file_name: text(r.submitted?.fileName),
            source: text(r.submitted?.source),
            source_sha256: r.submitted?.sourceSha256 ?? null,
            params: r.submitted ? json(r.submitted.params) : null,
            images: r.submitted ? json(r.submitted.images) : r.images ? json(r.images) : null,
            rerun_of: r.submitted?.rerunOf ?? null,
            state: r.state ?? null,
            state_key: r.stateKey,
            final: r.final,
          })),
        )
        .onConflict((oc) =>
          oc.column('run_id').doUpdateSet((eb) => {
            const keep = <C extends 'owner_issuer' | 'owner_subject' | 'owner_name' | 'account' | 'site' | 'name' | 'file_name' | 'source' | 'source_sha256' | 'params' | 'images' | 'rerun_of'>(column: C) =>
              eb.fn.coalesce(eb.ref(`excluded.${column}`), eb.ref(`prov_runs.${column}`));
            return {
              kind: eb.fn<'workflow' | 'job'>('greatest', [eb.ref('prov_runs.kind'), eb.ref('excluded.kind')]),
              owner_issuer: keep('owner_issuer'),
              owner_subject: keep('owner_subject'),
              owner_name: keep('owner_name'),
              account: keep('account'),
              site: keep('site'),
              name: keep('name'),
              file_name: keep('file_name'),
              source: keep('source'),
              source_sha256: keep('source_sha256'),
              params: keep('params'),
              images: keep('images'),
              rerun_of: keep('rerun_of'),
              state: eb
                .case()
                .when(eb.and([eb('excluded.state', 'is not', null), eb.or([eb('excluded.state_key', '>=', eb.ref('prov_runs.state_key')), eb('prov_runs.state', 'is', null)])]))
                .then(eb.ref('excluded.state'))
                .else(eb.ref('prov_runs.state'))
                .end(),
              state_key: eb.fn<string>('greatest', [eb.ref('prov_runs.state_key'), eb.ref('excluded.state_key')]),
              final: eb.or([eb('prov_runs.final', '=', true), eb('excluded.final', '=', true)]).$castTo<boolean>(),
            };
          }),
        )
        .execute();
    }
    const jobs = [...graph.jobs.values()].sort(byKey((j) => j.jobId));
    for (const part of chunks(jobs)) {
      await tx
        .insertInto('prov_jobs')
        .values(
          part.map((j) => ({
            job_id: j.jobId,
            run_id: j.runId,
            run_sure: j.runSure,
            final: j.final,
            has_facts: j.context !== undefined,
            step_dir: text(j.context?.stepDir),
            site: text(j.context?.site),
            uses: j.context ? json(j.context.uses) : null,
          })),
        )
        .onConflict((oc) =>
          oc.column('job_id').doUpdateSet((eb) => {
            const facts = <C extends 'step_dir' | 'site' | 'uses'>(column: C) =>
              eb.case().when('excluded.has_facts', '=', true).then(eb.ref(`excluded.${column}`)).else(eb.ref(`prov_jobs.${column}`)).end();
            return {
              run_id: eb
                .case()
                .when(eb.or([eb('excluded.run_sure', '=', true), eb('prov_jobs.run_sure', '=', false)]))
                .then(eb.ref('excluded.run_id'))
                .else(eb.ref('prov_jobs.run_id'))
                .end(),
              run_sure: eb.or([eb('prov_jobs.run_sure', '=', true), eb('excluded.run_sure', '=', true)]).$castTo<boolean>(),
              final: eb.or([eb('prov_jobs.final', '=', true), eb('excluded.final', '=', true)]).$castTo<boolean>(),
              has_facts: eb.or([eb('prov_jobs.has_facts', '=', true), eb('excluded.has_facts', '=', true)]).$castTo<boolean>(),
              step_dir: facts('step_dir'),
              site: facts('site'),
              uses: facts('uses'),
            };
          }),
        )
        .execute();
    }
    for (const part of chunks(deferred)) {
      await tx
        .insertInto('prov_deferred')
        .values(part.map((d) => ({ job_id: d.jobId, event_id: scrub(d.eventId), payload: json(d.payload) })))
        .onConflict((oc) => oc.columns(['job_id', 'event_id']).doNothing())
        .execute();
    }
    for (const part of chunks(resolved)) await tx.deleteFrom('prov_deferred').where('job_id', 'in', part).execute();
  }

  // --- reads ------------------------------------------------------------------------------

  run(runId: string): Promise<RunRow | undefined> {
    return this.db.selectFrom('prov_runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
  }

  /** The runs of these ids (owners, accounts: the access policy). */
  runsOf(runIds: readonly string[]): Promise<Array<Pick<RunRow, 'run_id' | 'owner_issuer' | 'owner_subject' | 'account'>>> {
    if (runIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('prov_runs').select(['run_id', 'owner_issuer', 'owner_subject', 'account']).where('run_id', 'in', [...runIds]).execute();
  }

  /** Whether the run's graph is complete: it ended, and every job of it ended and was recorded. */
  async complete(run: RunRow): Promise<boolean> {
    if (run.kind === 'workflow' && !run.final) return false;
    const open = await this.db
      .selectFrom('prov_jobs')
      .select('job_id')
      .where((eb) => eb.or([eb('run_id', '=', run.run_id), eb('job_id', '=', run.run_id)]))
      .where('final', '=', false)
      .limit(1)
      .executeTakeFirst();
    if (open) return false;
    if (run.kind === 'job') {
      const job = await this.db.selectFrom('prov_jobs').select('final').where('job_id', '=', run.run_id).executeTakeFirst();
      if (!job?.final) return false;
    }
    const parked = await this.db
      .selectFrom('prov_deferred')
      .innerJoin('prov_jobs', 'prov_jobs.job_id', 'prov_deferred.job_id')
      .select('prov_deferred.job_id')
      .where('prov_jobs.run_id', '=', run.run_id)
      .limit(1)
      .executeTakeFirst();
    return parked === undefined;
  }

  /** The ids of a run's nodes after `after`, in order: its own and those its relations reach. */
  async runNodeIds(runId: string, after: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('prov_nodes')
      .select('id')
      .where('run_id', '=', runId)
      .where('id', '>', after)
      .union(this.db.selectFrom('prov_edges').select('to_id as id').where('run_id', '=', runId).where('to_id', '>', after))
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => row.id);
  }

  async nodes(ids: readonly string[]): Promise<NodeRow[]> {
    if (ids.length === 0) return [];
    const rows: NodeRow[] = [];
    for (const part of chunks(ids)) rows.push(...(await this.db.selectFrom('prov_nodes').select(['id', 'type', 'run_id', 'attributes']).where('id', 'in', part).execute()));
    return rows;
  }

  /** A run's relations after (relation, from, to), in that order. */
  runEdges(runId: string, after: readonly [string, string, string] | undefined, limit: number): Promise<EdgeRow[]> {
    let query = this.db.selectFrom('prov_edges').select(['relation', 'from_id', 'to_id', 'attributes']).where('run_id', '=', runId);
    if (after) query = query.where((eb) => eb(eb.refTuple('relation', 'from_id', 'to_id'), '>', eb.tuple(after[0], after[1], after[2])));
    return query.orderBy('relation').orderBy('from_id').orderBy('to_id').limit(limit).execute();
  }

  /** The file nodes recorded below these files (directories of a run), by id prefix. */
  filesBelow(ids: readonly string[], limit: number): Promise<NodeRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('prov_nodes')
      .select(['id', 'type', 'run_id', 'attributes'])
      .where('type', '=', 'file')
      .where((eb) => eb.or(ids.map((id) => eb('id', 'like', likePrefix(`${id}/`)))))
      .limit(limit)
      .execute();
  }

  /** Nodes to start a lineage walk from. */
  startNodes(start: { nodeId: string } | { sha256: string } | { imageDigest: string }, limit: number): Promise<NodeRow[]> {
    const q = this.db.selectFrom('prov_nodes').select(['id', 'type', 'run_id', 'attributes']);
    if ('nodeId' in start) return q.where('id', '=', start.nodeId).execute();
    if ('sha256' in start) return q.where('sha256', '=', start.sha256).orderBy('id').limit(limit).execute();
    return q.where('digest', '=', start.imageDigest).limit(limit).execute();
  }

  /**
   * One step of a walk in one read: the relations of `relations` leaving `ids` (direction
   * `out`: from them; `in`: to them), each with the node at its far end, fetched by id per
   * relation (a lateral read with LIMIT 1: the plan never scans or hashes the nodes).
   */
  async neighbours(ids: readonly string[], direction: 'out' | 'in', relations: readonly string[], limit: number): Promise<Array<{ edge: EdgeRow; node: NodeRow }>> {
    const near = direction === 'out' ? 'prov_edges.from_id' : 'prov_edges.to_id';
    const far = direction === 'out' ? 'prov_edges.to_id' : 'prov_edges.from_id';
    const rows = await this.db
      .selectFrom('prov_edges')
      .innerJoinLateral(
        (eb) => eb.selectFrom('prov_nodes').select(['prov_nodes.id', 'prov_nodes.type', 'prov_nodes.run_id', 'prov_nodes.attributes']).whereRef('prov_nodes.id', '=', far).limit(1).as('n'),
        (join) => join.onTrue(),
      )
      .select(['prov_edges.relation', 'prov_edges.from_id', 'prov_edges.to_id', 'prov_edges.attributes as edge_attributes', 'n.id', 'n.type', 'n.run_id', 'n.attributes'])
      .where(near, 'in', [...ids])
      .limit(limit)
      .execute();
    // The relations are filtered here, not in SQL: a condition on `relation` tempts the
    // planner into the primary key's index (relation first), a scan of every relation.
    const wanted = new Set(relations);
    return rows.filter((row) => wanted.has(row.relation)).map((row) => ({
      edge: { relation: row.relation, from_id: row.from_id, to_id: row.to_id, attributes: row.edge_attributes },
      node: { id: row.id, type: row.type, run_id: row.run_id, attributes: row.attributes },
    }));
  }

}
