import { inScope, listScope, type ListScope } from '@cairn/access';
import {
  CairnError,
  jsonBytes,
  type LineageQuery,
  type LineageReply,
  MAX_PROV_ATTRIBUTES,
  MAX_ROWS_REPLY_BYTES,
  notFound,
  pageWithin,
  type ProvEdge,
  type ProvNode,
  type ProvNodeType,
  type ProvRelation,
  type RunProvenanceQuery,
  type RunProvenanceReply,
  type RunSourceQuery,
  type RunSourceReply,
} from '@cairn/contracts';
import { labelOf, provKindOf, runOfId, typeOfId } from './graph-ids';
import type { EdgeRow, GraphStore, NodeRow, RunRow } from './graph.store';
import { decodeLineageCursor, decodeRunCursor, encodeLineageCursor, encodeRunCursor, type RunCursor } from './page-tokens';

/** Relations a lineage walk follows: upstream from their `from` to their `to`, downstream the reverse. */
export const LINEAGE_RELATIONS: readonly ProvRelation[] = ['used', 'wasGeneratedBy', 'wasDerivedFrom', 'wasInformedBy', 'partOf'];
/** Most nodes one walk visits; a walk that reaches more stops there (depthLimited). */
export const MAX_WALK_NODES = 50_000;
/** Most start nodes of one walk (files with the same sha256). */
export const MAX_STARTS = 1000;
const IN_LIST = 1000;
/** sha256 of no bytes: the "file" of a job outside any workflow. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The ids of the directories above a file of a run, nearest first ("file:<run>/a/b/c" → ".../a/b", ".../a"). */
export function ancestorsOf(fileId: string): string[] {
  const root = fileId.indexOf('/');
  const out: string[] = [];
  for (let cut = fileId.lastIndexOf('/'); cut > root; cut = fileId.lastIndexOf('/', cut - 1)) out.push(fileId.slice(0, cut));
  return out;
}

const isRunFile = (id: string): boolean => id.startsWith('file:') && runOfId(id) !== '';
const directoryLink = (directory: string, file: string): ProvEdge => ({ relation: 'wasDerivedFrom', from: directory, to: file, attributes: { via: 'directory' } });

/** A file node that may hold files below it: recorded as a directory, or known only as a path something used. */
function isDirectoryLike(node: ProvNode | undefined): boolean {
  return node !== undefined && node.type === 'file' && (node.attributes['kind'] === 'dir' || node.attributes['sha256'] === undefined);
}

/** Attributes as a reply carries them: at most MAX_PROV_ATTRIBUTES, each value at most 4096 characters. */
function boundedAttributes(attributes: Record<string, string>): Record<string, string> {
  const entries = Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.slice(0, MAX_PROV_ATTRIBUTES).map(([k, v]) => [k.slice(0, 128), v.length > 4096 ? v.slice(0, 4096) : v]));
}

export function toProvNode(row: NodeRow): ProvNode {
  const type = (typeOfId(row.id) ?? row.type) as ProvNodeType;
  return { id: row.id, kind: provKindOf(type), type, label: labelOf(row.id, row.attributes), runId: row.run_id, attributes: boundedAttributes(row.attributes) };
}

export function toProvEdge(row: EdgeRow): ProvEdge {
  return { relation: row.relation as ProvRelation, from: row.from_id, to: row.to_id, attributes: boundedAttributes(row.attributes) };
}

type Owned = Pick<RunRow, 'owner_issuer' | 'owner_subject' | 'account'>;

/** The access policy (libs/access) on a recorded run: a run whose owner is not recorded yet is an admin's only. */
export function mayRead(scope: ListScope, run: Owned | undefined): boolean {
  if (scope.all) return true;
  if (!run || run.owner_issuer === null || run.owner_subject === null) return false;
  return inScope(scope, { issuer: run.owner_issuer, subject: run.owner_subject }, run.account ?? '');
}

/**
 * The provenance service's queries (subjects.provenance): a run's graph a page at a time,
 * lineage walks, and what a run was submitted as; each for the runs the caller may see.
 */
export class ProvenanceQueries {
  constructor(
    private readonly store: GraphStore,
    private readonly maxReplyBytes = MAX_ROWS_REPLY_BYTES,
  ) {}

  private async visibleRun(runId: string, scope: ListScope): Promise<RunRow> {
    const run = await this.store.run(runId);
    if (!run || !mayRead(scope, run)) throw notFound(`no provenance of run ${runId}`);
    return run;
  }

  async runGraph(query: RunProvenanceQuery): Promise<RunProvenanceReply> {
    const run = await this.visibleRun(query.runId, listScope(query.caller));
    // Asked before the page is read: a page that says complete holds everything recorded
    // then, and a complete run's graph no longer changes.
    const complete = await this.store.complete(run);
    const cursor: RunCursor = query.pageToken ? decodeRunCursor(query.pageToken, query.runId) : { runId: query.runId, node: '' };
    let nodes: ProvNode[] = [];
    let edges: ProvEdge[] = [];
    let next = '';
    let budget = this.maxReplyBytes;
    let room = query.pageSize;
    let edgeCursor: [string, string, string] | null | undefined = 'edge' in cursor ? cursor.edge : undefined;
    if ('node' in cursor) {
      const ids = await this.store.runNodeIds(query.runId, cursor.node, query.pageSize + 1);
      const rows = new Map((await this.store.nodes(ids)).map((row) => [row.id, row]));
      const candidates = ids.map((id) => toProvNode(rows.get(id) ?? { id, type: typeOfId(id) ?? 'file', run_id: '', attributes: {} }));
      const fitted = pageWithin(candidates, query.pageSize, budget, jsonBytes);
      nodes = fitted.page;
      const last = candidates[fitted.consumed - 1];
      if (candidates.length > fitted.consumed && last) {
        next = encodeRunCursor({ runId: query.runId, node: last.id });
      } else {
        // Nodes done: the relations follow, in this page as far as it has room.
        edgeCursor = null;
        room -= fitted.consumed;
        budget -= nodes.reduce((sum, node) => sum + jsonBytes(node) + 1, 0);
        if (room === 0 || budget <= 0) next = encodeRunCursor({ runId: query.runId, edge: null });
      }
    }
    if (next === '' && edgeCursor !== undefined) {
      const rows = await this.store.runEdges(query.runId, edgeCursor ?? undefined, room + 1);
      const fitted = pageWithin(rows.map(toProvEdge), room, budget, jsonBytes);
      edges = fitted.page;
      const last = rows[fitted.consumed - 1];
      if (rows.length > fitted.consumed && last) next = encodeRunCursor({ runId: query.runId, edge: [last.relation, last.from_id, last.to_id] });
    }
    return {
      runId: query.runId,
      nodes,
      edges,
      nextPageToken: next,
      complete,
      ...(run.rerun_of ? { rerunOf: run.rerun_of } : {}),
    };
  }

  async runSource(query: RunSourceQuery): Promise<RunSourceReply> {
    const run = await this.visibleRun(query.runId, listScope(query.caller));
    if (run.kind === 'job') {
      // A job outside any workflow is its own run: no file (source '', the sha256 of nothing), its image.
      return {
        runId: run.run_id,
        name: (run.name ?? '').slice(0, 128),
        fileName: '',
        source: '',
        sourceSha256: EMPTY_SHA256,
        site: run.site ?? '',
        account: run.account ?? '',
        params: {},
        images: run.images ?? [],
        complete: await this.store.complete(run),
      };
    }
    if (run.source === null || run.source_sha256 === null) throw new CairnError('FAILED_PRECONDITION', `the submission of run ${query.runId} has not been recorded (yet): its run events carried no submitted facts`);
    return {
      runId: run.run_id,
      name: run.name ?? '',
      fileName: run.file_name ?? '',
      source: run.source,
      sourceSha256: run.source_sha256,
      site: run.site ?? '',
      account: run.account ?? '',
      params: run.params ?? {},
      images: run.images ?? [],
      complete: await this.store.complete(run),
      ...(run.rerun_of ? { rerunOf: run.rerun_of } : {}),
    };
  }

  /**
   * A directory of a run that a step used holds the files its steps wrote below it: a walk
   * goes from the directory up to the files recorded below it, and from a file down to the
   * directories above it that are recorded (relation wasDerivedFrom, attribute via=directory).
   */
  private async filesBelow(directories: readonly string[]): Promise<Array<{ edge: ProvEdge; node: NodeRow }>> {
    if (directories.length === 0) return [];
    const wanted = new Set(directories);
    const below = await this.store.filesBelow(directories, MAX_WALK_NODES);
    return below.flatMap((node) => {
      const parent = ancestorsOf(node.id).find((id) => wanted.has(id));
      return parent === undefined ? [] : [{ edge: directoryLink(parent, node.id), node }];
    });
  }

  async lineage(query: LineageQuery): Promise<LineageReply> {
    const scope = listScope(query.caller);
    const visibility = new Map<string, boolean>([['', true]]);
    const visible = async (runIds: Iterable<string>) => {
      const unknown = [...new Set(runIds)].filter((id) => !visibility.has(id));
      for (let i = 0; i < unknown.length; i += IN_LIST) {
        const part = unknown.slice(i, i + IN_LIST);
        const runs = new Map((await this.store.runsOf(part)).map((run) => [run.run_id, run]));
        for (const id of part) visibility.set(id, mayRead(scope, runs.get(id)));
      }
    };
    const starts = await this.store.startNodes(query.start, MAX_STARTS);
    await visible(starts.map((node) => node.run_id));
    const shown = starts.filter((node) => visibility.get(node.run_id) === true);
    if (shown.length === 0) throw notFound('no node the caller may see starts this lineage');
    const depthOf = new Map<string, number>(shown.map((node) => [node.id, 0]));
    const nodes = new Map<string, ProvNode>(shown.map((node) => [node.id, toProvNode(node)]));
    const edges = new Map<string, ProvEdge>();
    const direction = query.direction === 'upstream' ? 'out' : 'in';
    let frontier = shown.map((node) => node.id);
    let limited = false;
    for (let depth = 1; depth <= query.maxDepth + 1 && frontier.length > 0; depth += 1) {
      const reached: string[] = [];
      const reach = (far: string, edge: ProvEdge, node: NodeRow) => {
        if (visibility.get(node.run_id) !== true) return;
        if (depth > query.maxDepth) {
          // Only asking whether anything lies further.
          if (!depthOf.has(far)) limited = true;
          return;
        }
        edges.set(`${edge.relation}\u0000${edge.from}\u0000${edge.to}`, edge);
        if (depthOf.has(far)) return;
        depthOf.set(far, depth);
        nodes.set(far, toProvNode(node));
        reached.push(far);
      };
      for (let i = 0; i < frontier.length && !limited; i += IN_LIST) {
        const chunk = frontier.slice(i, i + IN_LIST);
        // One read a step (the relations with their far nodes, by id), and walking down from
        // files one more: the directories above them that are recorded.
        const found = await this.store.neighbours(chunk, direction, LINEAGE_RELATIONS, MAX_WALK_NODES);
        const above = direction === 'in' ? chunk.filter(isRunFile).flatMap(ancestorsOf) : [];
        const dirs = new Map((above.length > 0 ? await this.store.nodes([...new Set(above)]) : []).map((row) => [row.id, row]));
        const around =
          direction === 'out'
            ? await this.filesBelow(chunk.filter((id) => isDirectoryLike(nodes.get(id))))
            : chunk.filter(isRunFile).flatMap((file) =>
                ancestorsOf(file).flatMap((dir) => {
                  const node = dirs.get(dir);
                  return node?.type === 'file' ? [{ edge: directoryLink(dir, file), node }] : [];
                }),
              );
        await visible([...found.map((row) => row.node.run_id), ...around.map((link) => link.node.run_id)]);
        for (const row of found) reach(row.node.id, toProvEdge(row.edge), row.node);
        for (const link of around) reach(link.node.id, link.edge, link.node);
      }
      if (depthOf.size > MAX_WALK_NODES) {
        limited = true;
        break;
      }
      frontier = reached;
    }
    const order = [...nodes.values()].sort((a, b) => (depthOf.get(a.id) ?? 0) - (depthOf.get(b.id) ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const position = new Map(order.map((node, i) => [node.id, i]));
    const edgesAt = new Map<number, ProvEdge[]>();
    for (const edge of edges.values()) {
      const at = Math.max(position.get(edge.from) ?? -1, position.get(edge.to) ?? -1);
      if (at < 0) continue;
      edgesAt.set(at, [...(edgesAt.get(at) ?? []), edge]);
    }
    let from = 0;
    if (query.pageToken) {
      const cursor = decodeLineageCursor(query.pageToken);
      from = order.findIndex((node) => {
        const d = depthOf.get(node.id) ?? 0;
        return d > cursor.depth || (d === cursor.depth && node.id > cursor.id);
      });
      if (from < 0) from = order.length;
    }
    const rest = order.slice(from).map((node, i) => ({ node, edges: edgesAt.get(from + i) ?? [] }));
    const fitted = pageWithin(rest, query.pageSize, this.maxReplyBytes, (entry) => jsonBytes(entry.node) + entry.edges.reduce((sum, edge) => sum + jsonBytes(edge) + 1, 0) + 4);
    const last = rest[fitted.consumed - 1];
    return {
      nodes: fitted.page.map((entry) => entry.node),
      depths: fitted.page.map((entry) => depthOf.get(entry.node.id) ?? 0),
      edges: fitted.page.flatMap((entry) => entry.edges),
      nextPageToken: rest.length > fitted.consumed && last ? encodeLineageCursor({ depth: depthOf.get(last.node.id) ?? 0, id: last.node.id }) : '',
      depthLimited: limited,
    };
  }
}
