import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Client } from 'pg';
import { JetStreamRepository, type NatsConnection } from '@cairn/adapters/nats';
import { natsInboxPrefix, pb, provenanceConsumers, streams } from '@cairn/contracts';
import type { ProvenanceClient } from '@cairn/client';
import type { NatsUser } from '@cairn/testing';

/** A run's whole graph (every page of GetRunProvenance). */
export interface Graph {
  nodes: pb.ProvNode[];
  edges: pb.ProvEdge[];
  complete: boolean;
  rerunOf: string;
}

/** Every page of GetRunProvenance. */
export async function runGraph(client: ProvenanceClient, runId: string): Promise<Graph> {
  const { nodes, edges, complete, rerunOf } = await client.getRunGraph(runId, { pageSize: 5000 });
  return { nodes, edges, complete, rerunOf };
}

/** Polls GetRunProvenance until the run is recorded complete (every event of the ended run ingested). */
export async function completeGraph(client: ProvenanceClient, runId: string, timeoutMs = 120_000): Promise<Graph> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const graph = await runGraph(client, runId).catch((error: unknown) => {
      // Not recorded yet (the first events are on their way).
      if (error instanceof Error && /NOT_FOUND|not found/i.test(`${(error as { codeName?: string }).codeName ?? ''} ${error.message}`) && Date.now() < deadline) return undefined;
      throw error;
    });
    if (graph?.complete) return graph;
    if (Date.now() > deadline) throw new Error(`provenance of run ${runId} is not complete after ${timeoutMs} ms (${graph?.nodes.length ?? 0} nodes so far)`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export type LineageStart = { nodeId: string } | { sha256: string } | { imageDigest: string };

export interface Walk {
  nodes: pb.ProvNode[];
  depths: number[];
  edges: pb.ProvEdge[];
  depthLimited: boolean;
}

/** Every page of a Lineage walk. */
export async function lineage(client: ProvenanceClient, start: LineageStart, direction: 'upstream' | 'downstream', maxDepth = 50): Promise<Walk> {
  const { nodes, depths, edges, depthLimited } = await client.lineageAll(start, { direction, maxDepth, pageSize: 5000 });
  return { nodes, depths, edges, depthLimited };
}

/** The whole of an ExportRun stream, with its first chunk's metadata and every chunk's size. */
export async function exportRun(client: ProvenanceClient, runId: string, format: 'prov-json' | 'ro-crate'): Promise<{ data: Buffer; contentType: string; fileName: string; chunkSizes: number[] }> {
  const chunks: Buffer[] = [];
  let contentType = '';
  let fileName = '';
  for await (const chunk of client.exportRun(runId, format)) {
    if (chunks.length === 0) {
      contentType = chunk.contentType;
      fileName = chunk.fileName;
    }
    chunks.push(Buffer.from(chunk.data));
  }
  return { data: Buffer.concat(chunks), contentType, fileName, chunkSizes: chunks.map((c) => c.length) };
}

export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** Every regular file below `dir`, relative to it, sorted. */
function filesBelow(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return filesBelow(path, base);
      return entry.isFile() ? [relative(base, path)] : [];
    })
    .sort();
}

/**
 * A file's or directory's content hash and size as the contract defines them
 * (libs/contracts/src/provenance-facts.ts): a directory's is the sha256 of the sorted lines
 * "<sha256>  <relative path>" of every regular file below it.
 */
export function hashOnDisk(path: string): { sha256: string; size: number; kind: 'file' | 'dir' } {
  const stat = statSync(path);
  if (stat.isFile()) return { sha256: sha256(readFileSync(path)), size: stat.size, kind: 'file' };
  const files = filesBelow(path);
  const lines = files.map((f) => `${sha256(readFileSync(join(path, f)))}  ${f}\n`).join('');
  return { sha256: sha256(lines), size: files.reduce((n, f) => n + statSync(join(path, f)).size, 0), kind: 'dir' };
}

/** Node ids of a run, by the documented scheme (docs/provenance.md). */
export const ids = {
  run: (run: string) => `run:${run}`,
  step: (run: string, key: string) => `step:${run}/${key}`,
  iteration: (run: string, loop: string, n: number) => `iteration:${run}/${loop}/${n}`,
  item: (run: string, key: string, index: number) => `item:${run}/${key}/${index}`,
  job: (job: string) => `job:${job}`,
  params: (run: string) => `params:${run}`,
  workflow: (sha: string) => `workflow:${sha}`,
  image: (digest: string) => `image:${digest}`,
  file: (run: string, path: string) => `file:${run}/${path}`,
  decision: (run: string, loop: string, n: number) => `decision:${run}/${loop}/${n}`,
  person: (owner: { issuer: string; subject: string }) => `person:${owner.issuer}#${owner.subject}`,
  site: (site: string) => `site:${site}`,
};

/** "sha256:<hex>" of a pinned reference "registry/name@sha256:<hex>". */
export function digestOf(imageRef: string): string {
  const at = imageRef.lastIndexOf('@');
  if (at < 0) throw new Error(`${imageRef} is not pinned`);
  return imageRef.slice(at + 1);
}

/** The edges of a graph as comparable text, one per relation ("from relation to {attrs}"). */
export const edgeKey = (e: pb.ProvEdge) =>
  `${e.from} ${e.relation} ${e.to} ${JSON.stringify(Object.entries(e.attributes).sort(([a], [b]) => a.localeCompare(b)))}`;

/** Ids that occur more than once. */
export function repeated(values: string[]): string[] {
  const seen = new Set<string>();
  return [...new Set(values.filter((v) => (seen.has(v) ? true : (seen.add(v), false))))];
}

/** A graph with the run's own ids replaced, to compare the structure of two runs of one file. */
export function normalised(graph: Graph, runId: string, jobNames: Map<string, string>): { nodes: string[]; edges: string[] } {
  const norm = (text: string) => {
    let out = text.split(runId).join('RUN');
    for (const [job, name] of jobNames) out = out.split(job).join(name);
    return out;
  };
  return {
    nodes: graph.nodes.map((n) => `${n.type} ${norm(n.id)}`).sort(),
    edges: graph.edges.map((e) => `${norm(e.from)} ${e.relation} ${norm(e.to)} ${e.attributes['role'] ?? ''} ${e.attributes['name'] ?? ''}`).sort(),
  };
}

/** Every job of a run named by its step and order ("JOB sweep 0"), for `normalised`. */
export function jobNamesOf(run: pb.Workflow): Map<string, string> {
  return new Map(run.steps.flatMap((s) => s.jobIds.map((job, i) => [job, `JOB ${s.key} ${i}`] as const)));
}

/**
 * The test's NATS user: reads the job and workflow event streams (to compare the graph with
 * every event), republishes nothing, and may look at and delete the provenance service's
 * durable consumers (to make it replay everything).
 */
export function provenanceTester(user: string): NatsUser {
  const api = '$JS.API';
  const consumers = [
    [streams.jobEvents.name, provenanceConsumers.jobEvents],
    [streams.workflowEvents.name, provenanceConsumers.workflowEvents],
    [streams.imageEvents.name, provenanceConsumers.imageEvents],
  ] as const;
  const readers = [streams.jobEvents.name, streams.workflowEvents.name].flatMap((stream) => [
    `${api}.CONSUMER.CREATE.${stream}`,
    `${api}.CONSUMER.CREATE.${stream}.>`,
    `${api}.CONSUMER.DELETE.${stream}.>`,
    `${api}.STREAM.MSG.GET.${stream}`,
  ]);
  const admin = consumers.flatMap(([stream, durable]) => [`${api}.STREAM.INFO.${stream}`, `${api}.CONSUMER.INFO.${stream}.${durable}`, `${api}.CONSUMER.DELETE.${stream}.${durable}`]);
  return {
    user,
    password: createHash('sha256').update(`${user}${process.hrtime.bigint()}${Math.random()}`).digest('base64url'),
    permissions: {
      publish: { allow: [`${api}.INFO`, `${api}.STREAM.NAMES`, ...readers, ...admin], deny: [] },
      subscribe: { allow: [`${natsInboxPrefix(user)}.>`], deny: [] },
      allowResponses: true,
    },
  };
}

/** Every message so far on one subject of a stream (up to its last one), decoded. */
export async function eventsOn(nc: NatsConnection, stream: string, subject: string): Promise<unknown[]> {
  const repo = new JetStreamRepository(nc);
  const last = (await repo.lastOn(stream, subject)) as { sequence?: number } | undefined;
  if (last === undefined) return [];
  const abort = new AbortController();
  const out: unknown[] = [];
  for await (const raw of repo.follow(subject, abort.signal)) {
    out.push(raw);
    if ((raw as { sequence?: number }).sequence === last.sequence) break;
  }
  abort.abort();
  return out;
}

/** Waits until the provenance service's durable consumers have nothing pending or unacknowledged. */
export async function provenanceCaughtUp(nc: NatsConnection, timeoutMs = 120_000): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const deadline = Date.now() + timeoutMs;
  const pairs = [
    [streams.jobEvents.name, provenanceConsumers.jobEvents],
    [streams.workflowEvents.name, provenanceConsumers.workflowEvents],
    [streams.imageEvents.name, provenanceConsumers.imageEvents],
  ] as const;
  for (;;) {
    const infos = await Promise.all(pairs.map(([stream, durable]) => jsm.consumers.info(stream, durable).catch(() => undefined)));
    if (infos.every((i) => i !== undefined && i.num_pending === 0 && i.num_ack_pending === 0)) return;
    if (Date.now() > deadline) throw new Error(`provenance's consumers have not caught up after ${timeoutMs} ms: ${JSON.stringify(infos.map((i) => i && { pending: i.num_pending, ack: i.num_ack_pending }))}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Deletes the provenance service's durable consumers (stop the service first): it replays every stream from the start when it starts again. */
export async function deleteProvenanceConsumers(nc: NatsConnection): Promise<void> {
  const jsm = await nc.jetstreamManager();
  for (const [stream, durable] of [
    [streams.jobEvents.name, provenanceConsumers.jobEvents],
    [streams.workflowEvents.name, provenanceConsumers.workflowEvents],
    [streams.imageEvents.name, provenanceConsumers.imageEvents],
  ] as const) {
    await jsm.consumers.delete(stream, durable);
  }
}

export { refusal } from './gateway-refusal';

/**
 * What provenance holds in its schema (libs/provenance/src/provenance.tables.ts): events
 * recorded (one row per event id), nodes and relations; and how many messages the three
 * streams it records hold.
 */
export async function ledger(nc: NatsConnection, databaseUrl: string): Promise<{ events: number; nodes: number; edges: number; published: number }> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ events: string; nodes: string; edges: string }>(
      'SELECT (SELECT count(*) FROM provenance.prov_events) AS events, (SELECT count(*) FROM provenance.prov_nodes) AS nodes, (SELECT count(*) FROM provenance.prov_edges) AS edges',
    );
    const jsm = await nc.jetstreamManager();
    let published = 0;
    for (const stream of [streams.jobEvents.name, streams.workflowEvents.name, streams.imageEvents.name]) published += (await jsm.streams.info(stream)).state.messages;
    const row = rows[0] as { events: string; nodes: string; edges: string };
    return { events: Number(row.events), nodes: Number(row.nodes), edges: Number(row.edges), published };
  } finally {
    await db.end();
  }
}
