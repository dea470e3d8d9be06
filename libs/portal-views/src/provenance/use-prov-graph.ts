import { ConnectError } from '@connectrpc/connect';
import { useEffect, useRef, useState } from 'react';
import { client, LineageDirection, ProvenanceService } from '@cairn/portal-client';
import { addPage, emptyGraph, type ProvGraph } from './prov-graph-model';
import { stepKey, type WalkStep } from './walk';

/** Nodes asked for per page of a run's graph and of a lineage walk. */
export const RUN_PAGE_SIZE = 2000;
export const LINEAGE_PAGE_SIZE = 1000;
/** A lineage walk stops reading pages past this many nodes (the page says so). */
export const MAX_LINEAGE_NODES = 10_000;

/** A graph being read, page by page. */
export interface GraphLoad {
  readonly status: 'loading' | 'done' | 'error';
  readonly graph: ProvGraph;
  /** Pages read so far. */
  readonly pages: number;
  readonly error?: ConnectError;
  /** Run graph: every event of the run is recorded. */
  readonly complete: boolean;
  /** Run graph: the run it re-ran. */
  readonly rerunOf: string;
  /** Lineage: the start node(s), and whether nodes lie past the depth asked for. */
  readonly start: readonly string[];
  readonly depthLimited: boolean;
  /** Lineage: stopped reading at MAX_LINEAGE_NODES. */
  readonly truncated: boolean;
}

const loading = (): GraphLoad => ({ status: 'loading', graph: emptyGraph(), pages: 0, complete: false, rerunOf: '', start: [], depthLimited: false, truncated: false });

async function read(step: WalkStep, signal: AbortSignal, progress: (load: GraphLoad) => void): Promise<GraphLoad> {
  const api = client(ProvenanceService);
  let load = loading();
  let pageToken = '';
  if (step.kind === 'run') {
    do {
      const page = await api.getRunProvenance({ runId: step.runId, pageSize: RUN_PAGE_SIZE, pageToken }, { signal });
      load = { ...load, graph: addPage(load.graph, page.nodes, page.edges), pages: load.pages + 1, complete: (load.pages === 0 || load.complete) && page.complete, rerunOf: page.rerunOf };
      pageToken = page.nextPageToken;
      if (pageToken !== '') progress(load);
    } while (pageToken !== '');
    return { ...load, status: 'done' };
  }
  const direction = step.direction === 'upstream' ? LineageDirection.UPSTREAM : LineageDirection.DOWNSTREAM;
  const from = step.kind === 'node' ? { nodeId: step.nodeId } : { sha256: step.sha256 };
  do {
    const page = await api.lineage({ ...from, direction, maxDepth: step.depth, pageSize: LINEAGE_PAGE_SIZE, pageToken }, { signal });
    const start = load.pages === 0 ? page.nodes.filter((_, i) => page.depths[i] === 0).map((n) => n.id) : load.start;
    load = { ...load, graph: addPage(load.graph, page.nodes, page.edges), pages: load.pages + 1, start, depthLimited: load.depthLimited || page.depthLimited };
    pageToken = page.nextPageToken;
    if (pageToken !== '' && load.graph.nodes.size >= MAX_LINEAGE_NODES) return { ...load, status: 'done', truncated: true };
    if (pageToken !== '') progress(load);
  } while (pageToken !== '');
  return { ...load, status: 'done' };
}

/**
 * The graph of the walk's current step: a run's whole graph (every page) or a lineage walk
 * (every page, up to MAX_LINEAGE_NODES), with progress while pages come in. Answers are
 * kept for the page's life, so going back along the breadcrumb shows them at once;
 * `reload` reads the current step again. A null step reads nothing.
 */
export function useProvGraph(step: WalkStep | null): { load: GraphLoad; reload: () => void } {
  const cache = useRef(new Map<string, GraphLoad>());
  const key = step === null ? '' : JSON.stringify(stepKey(step));
  const [generation, setGeneration] = useState(0);
  const [load, setLoad] = useState<GraphLoad>(() => cache.current.get(key) ?? loading());

  useEffect(() => {
    if (step === null) return undefined;
    const kept = cache.current.get(key);
    if (kept !== undefined) {
      setLoad(kept);
      return undefined;
    }
    const controller = new AbortController();
    setLoad(loading());
    read(step, controller.signal, (partial) => {
      if (!controller.signal.aborted) setLoad(partial);
    }).then(
      (done) => {
        if (controller.signal.aborted) return;
        cache.current.set(key, done);
        setLoad(done);
      },
      (e: unknown) => {
        if (!controller.signal.aborted) setLoad((l) => ({ ...l, status: 'error', error: ConnectError.from(e) }));
      },
    );
    return () => controller.abort();
    // `step` is fully described by `key`.
  }, [key, generation]);

  const reload = () => {
    cache.current.delete(key);
    setGeneration((g) => g + 1);
  };
  return { load, reload };
}
