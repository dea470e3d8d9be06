import type { Owner, ProvRelation } from '@cairn/contracts';
import { runOfId } from './graph-ids';

/** A node as one batch changes it: attributes with each key's event ordering key. */
export interface NodeChange {
  id: string;
  runId: string;
  /** Whether `runId` is known (a job's run is a guess until its facts or a step say). */
  runSure: boolean;
  attributes: Record<string, string>;
  keys: Record<string, number>;
}

export interface EdgeChange {
  relation: ProvRelation;
  from: string;
  to: string;
  /** The run of the `from` node. */
  runId: string;
  attributes: Record<string, string>;
}

/** What a batch learnt about a run (fields absent: not known from this batch). */
export interface RunChange {
  runId: string;
  kind: 'workflow' | 'job';
  owner?: Owner;
  account?: string;
  site?: string;
  name?: string;
  submitted?: {
    fileName: string;
    source: string;
    sourceSha256: string;
    params: Record<string, string | number | boolean>;
    images: Array<{ reference: string; imageRef: string; digest: string }>;
    rerunOf?: string;
  };
  /** A job outside any workflow: its image, as submitted and pinned (a workflow's are in `submitted`). */
  images?: Array<{ reference: string; imageRef: string; digest: string }>;
  state?: string;
  stateKey: number;
  final: boolean;
}

/** The facts of a job that later events need: where its outputs live and what it used. */
export interface JobContext {
  runId: string;
  stepDir?: string;
  site: string;
  uses: string[];
}

export interface JobChange {
  jobId: string;
  runId: string;
  runSure: boolean;
  final: boolean;
  context?: JobContext;
}

/** Merges `incoming` into `current` key by key: a key takes the value of the later event (ties: the incoming). */
export function mergeAttributes(
  current: { attributes: Record<string, string>; keys: Record<string, number> },
  incoming: { attributes: Record<string, string>; keys: Record<string, number> },
): { attributes: Record<string, string>; keys: Record<string, number> } {
  const attributes = { ...current.attributes };
  const keys = { ...current.keys };
  for (const [name, value] of Object.entries(incoming.attributes)) {
    const key = incoming.keys[name] ?? 0;
    if ((keys[name] ?? -1) <= key) {
      attributes[name] = value;
      keys[name] = key;
    }
  }
  return { attributes, keys };
}

/**
 * Everything one batch of events changes in the graph, merged so each node, edge, run and
 * job appears once (one multi-row upsert each), in the same way the store merges rows
 * already there: the result does not depend on the order events are applied in.
 */
export class GraphBatch {
  readonly nodes = new Map<string, NodeChange>();
  readonly edges = new Map<string, EdgeChange>();
  readonly runs = new Map<string, RunChange>();
  readonly jobs = new Map<string, JobChange>();

  /** Sets attributes of a node (creating it), each with the event's ordering key. */
  node(id: string, raw: Record<string, string>, key: number, run?: string): void {
    // Attributes as a reply may carry them: keys of at most 128 characters, values of at most 4096.
    const attributes = Object.fromEntries(Object.entries(raw).map(([name, value]) => [name.slice(0, 128), value.length > 4096 ? value.slice(0, 4096) : value]));
    const keys = Object.fromEntries(Object.keys(attributes).map((name) => [name, key]));
    const runId = run ?? runOfId(id);
    const runSure = run !== undefined || !id.startsWith('job:');
    const current = this.nodes.get(id);
    if (!current) {
      this.nodes.set(id, { id, runId, runSure, attributes: { ...attributes }, keys });
      return;
    }
    const merged = mergeAttributes(current, { attributes, keys });
    const sure = current.runSure || runSure;
    this.nodes.set(id, { id, runId: runSure ? runId : current.runId, runSure: sure, ...merged });
  }

  /** A relation, and both its ends as nodes (with no attributes when nothing else is known of them yet). */
  edge(relation: ProvRelation, from: string, to: string, attributes: Record<string, string> = {}, ends: { fromRun?: string; toRun?: string } = {}): void {
    this.node(from, {}, 0, ends.fromRun);
    this.node(to, {}, 0, ends.toRun);
    const id = `${relation}\u0000${from}\u0000${to}`;
    const current = this.edges.get(id);
    const runId = ends.fromRun ?? runOfId(from);
    this.edges.set(id, { relation, from, to, runId, attributes: { ...current?.attributes, ...attributes } });
  }

  run(change: RunChange): void {
    const current = this.runs.get(change.runId);
    if (!current) {
      this.runs.set(change.runId, { ...change });
      return;
    }
    const later = change.stateKey >= current.stateKey;
    this.runs.set(change.runId, {
      ...current,
      ...definedOf(change),
      kind: current.kind === 'workflow' || change.kind === 'workflow' ? 'workflow' : 'job',
      state: later ? (change.state ?? current.state) : (current.state ?? change.state),
      stateKey: Math.max(change.stateKey, current.stateKey),
      final: current.final || change.final,
    });
  }

  job(change: JobChange): void {
    const current = this.jobs.get(change.jobId);
    if (!current) {
      this.jobs.set(change.jobId, { ...change });
      return;
    }
    const context = change.context ?? current.context;
    this.jobs.set(change.jobId, {
      jobId: change.jobId,
      runId: change.runSure || !current.runSure ? change.runId : current.runId,
      runSure: change.runSure || current.runSure,
      final: change.final || current.final,
      ...(context ? { context } : {}),
    });
  }
}

function definedOf(change: RunChange): Partial<RunChange> {
  return Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined)) as Partial<RunChange>;
}
