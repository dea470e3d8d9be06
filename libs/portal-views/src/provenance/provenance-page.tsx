import { Code } from '@connectrpc/connect';
import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { client, LineageDirection, ProvenanceService } from '@cairn/portal-client';
import { errorCode, ErrorMessage } from '@cairn/portal-ui';
import { collapseItems } from './collapse';
import { drawingOf } from './drawing';
import { Legend } from './legend';
import { NodePanel } from './node-panel';
import { labelOf, runNodeOf, type GraphNode } from './prov-graph-model';
import { ProvGraph } from './prov-graph';
import { RunActions } from './run-actions';
import { useProvGraph, type GraphLoad } from './use-prov-graph';
import { backTo, crumbLabel, current, DEFAULT_DEPTH, MAX_DEPTH, startWalk, walkTo, withDepth, type Direction } from './walk';
import './provenance.css';

const HIDDEN = new Set([Code.NotFound, Code.InvalidArgument, Code.PermissionDenied]);

/** `/provenance/:runId` — a run's lineage graph, walked node by node (docs/portal.md). */
export function ProvenancePage() {
  const { runId = '' } = useParams();
  return <ProvenanceView key={runId} runId={runId} />;
}

function NotFound({ runId }: { readonly runId: string }) {
  return (
    <>
      <h1>Provenance</h1>
      <p data-testid="not-found">
        No such run (or not yours): <code>{runId}</code>. <Link to="/">Back to the dashboard</Link>.
      </p>
    </>
  );
}

/**
 * A job of a workflow has no graph of its own: its node names its run. Asked for the
 * provenance of such a job, the page finds the run and shows it with the job selected.
 */
function useJobsRun(runId: string, notFound: boolean): 'checking' | 'none' {
  const navigate = useNavigate();
  const [state, setState] = useState<'checking' | 'none'>('checking');
  useEffect(() => {
    if (!notFound) return undefined;
    const controller = new AbortController();
    const node = `job:${runId}`;
    client(ProvenanceService)
      .lineage({ nodeId: node, direction: LineageDirection.UPSTREAM, maxDepth: 1, pageSize: 1 }, { signal: controller.signal })
      .then(
        (answer) => {
          const run = answer.nodes.find((n) => n.id === node)?.runId ?? '';
          if (run !== '' && run !== runId) void navigate(`/provenance/${encodeURIComponent(run)}?node=${encodeURIComponent(node)}`, { replace: true });
          else setState('none');
        },
        () => {
          if (!controller.signal.aborted) setState('none');
        },
      );
    return () => controller.abort();
  }, [notFound, runId, navigate]);
  return state;
}

function Loading({ load, what }: { readonly load: GraphLoad; readonly what: string }) {
  if (load.status !== 'loading') return null;
  const nodes = load.graph.nodes.size;
  return (
    <p className="prov-loading" data-testid="prov-loading" role="status">
      <progress aria-label={`Loading ${what}`} /> Loading {what}
      {load.pages > 0 ? `: ${load.pages} page${load.pages === 1 ? '' : 's'}, ${nodes.toLocaleString('en-US')} nodes so far` : ''}…
    </p>
  );
}

function ProvenanceView({ runId }: { readonly runId: string }) {
  const [search, setSearch] = useSearchParams();
  const [walk, setWalk] = useState(() => startWalk(runId));
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const [depth, setDepth] = useState(DEFAULT_DEPTH);
  const step = current(walk);
  const run = useProvGraph(walk.steps[0] ?? null);
  const lineage = useProvGraph(step.kind === 'run' ? null : step);
  const load = step.kind === 'run' ? run.load : lineage.load;
  const notFound = run.load.status === 'error' && HIDDEN.has(errorCode(run.load.error) ?? Code.Unknown);
  const jobsRun = useJobsRun(runId, notFound);

  const view = useMemo(() => collapseItems(load.graph, expanded), [load.graph, expanded]);
  const drawing = useMemo(() => drawingOf(view, undefined, load.start), [view, load.start]);
  const selected = search.get('node') ?? undefined;
  const select = (id: string) =>
    setSearch(
      (s) => {
        const next = new URLSearchParams(s);
        next.set('node', id);
        return next;
      },
      { replace: true },
    );

  if (notFound) return jobsRun === 'checking' ? <p role="status">Loading the run's provenance…</p> : <NotFound runId={runId} />;

  const runNode = runNodeOf(run.load.graph, runId);
  const name = runNode === undefined ? runId : labelOf(runNode);
  const walkOn = (node: GraphNode, direction: Direction) => {
    setWalk((w) => walkTo(w, { kind: 'node', nodeId: node.id, label: labelOf(node), direction, depth }));
    select(node.id);
  };
  const whichRuns = (sha256: string, label: string) => setWalk((w) => walkTo(w, { kind: 'sha256', sha256, label, direction: 'downstream', depth }));
  const expand = (stepId: string, open: boolean) => {
    setExpanded((e) => {
      const next = new Set(e);
      if (open) next.add(stepId);
      else next.delete(stepId);
      return next;
    });
    select(stepId);
  };
  const otherRuns = step.kind === 'run' ? [] : [...new Set([...load.graph.nodes.values()].map((n) => n.runId))].filter((r) => r !== '' && (r !== runId || step.kind === 'sha256'));
  const panelId = selected !== undefined && (load.graph.nodes.has(selected) || view.nodes.some((n) => n.id === selected)) ? selected : undefined;

  return (
    <>
      <h1>
        Provenance of <span className="prov-run-name">{name}</span>
      </h1>
      <p className="prov-links">
        <Link to={runNode?.type === 'job' ? `/jobs/${encodeURIComponent(runId)}` : `/workflows/${encodeURIComponent(runId)}`}>{runNode?.type === 'job' ? 'The job' : 'The run'}</Link>
        {run.load.rerunOf !== '' && (
          <>
            {' · '}a re-run of <Link to={`/provenance/${encodeURIComponent(run.load.rerunOf)}`}>{run.load.rerunOf}</Link>
          </>
        )}
      </p>
      {run.load.status === 'done' && !run.load.complete && (
        <p className="prov-note" data-testid="prov-incomplete">
          Still being recorded: the run has not ended, or provenance has not caught up with it yet.{' '}
          <button type="button" className="button-quiet" onClick={run.reload}>
            Read it again
          </button>
        </p>
      )}
      <RunActions runId={runId} canRerun={runNode?.type === 'run'} />
      <nav aria-label="Walk" className="prov-crumbs">
        <ol>
          {walk.steps.map((s, i) => (
            <li key={JSON.stringify(s)}>
              {i === walk.steps.length - 1 ? (
                <span aria-current="step">{crumbLabel(s)}</span>
              ) : (
                <button type="button" className="button-link" onClick={() => setWalk((w) => backTo(w, i))}>
                  {crumbLabel(s)}
                </button>
              )}
            </li>
          ))}
        </ol>
      </nav>
      <div className="prov-controls">
        <label>
          Depth (relations to follow)
          <input
            type="number"
            min={1}
            max={MAX_DEPTH}
            value={depth}
            onChange={(e) => {
              const d = Math.min(MAX_DEPTH, Math.max(1, Math.round(Number(e.target.value) || 1)));
              setDepth(d);
              setWalk((w) => withDepth(w, d));
            }}
          />
        </label>
        <Legend />
      </div>
      <Loading load={load} what={step.kind === 'run' ? "the run's provenance" : 'the lineage'} />
      {load.status === 'error' && (
        <>
          <ErrorMessage error={load.error} context={step.kind === 'run' ? "Could not load the run's provenance" : 'Could not walk the lineage'} />
          <div className="button-row">
            <button type="button" onClick={step.kind === 'run' ? run.reload : lineage.reload}>
              Try again
            </button>
          </div>
        </>
      )}
      {load.status !== 'error' && (
        <div className="prov-layout" aria-busy={load.status === 'loading'}>
          <div className="prov-drawing">
            {load.status === 'done' && (
              <p className="prov-summary" data-testid="prov-summary">
                {crumbLabel(step)}: {load.graph.nodes.size.toLocaleString('en-US')} nodes, {load.graph.edges.size.toLocaleString('en-US')} relations
                {load.depthLimited ? '; more lie further than this depth' : ''}
                {load.truncated ? '; only the nearest are shown' : ''}
                {drawing.hidden > 0 ? `; ${drawing.hidden} nodes not drawn (select a node and walk from it)` : ''}.
              </p>
            )}
            {drawing.nodes.length > 0 && <ProvGraph drawing={drawing} ariaLabel={`${crumbLabel(step)}: provenance graph`} selected={selected === undefined ? undefined : view.shownAs.get(selected) ?? selected} start={load.start} onSelect={select} />}
            {otherRuns.length > 0 && (
              <section aria-labelledby="prov-other-runs">
                <h2 id="prov-other-runs">{step.kind === 'sha256' ? 'Runs that used it' : 'Other runs in this walk'}</h2>
                <ul data-testid="prov-runs">
                  {otherRuns.map((r) => (
                    <li key={r}>
                      <Link to={`/provenance/${encodeURIComponent(r)}`}>{r}</Link>
                    </li>
                  ))}
                </ul>
              </section>
            )}
          </div>
          {panelId === undefined ? (
            <p className="prov-hint">Select a node (click it, or Tab to it and press Enter) to see its facts and walk from it.</p>
          ) : (
            <NodePanel
              graph={load.graph}
              view={view}
              id={panelId}
              canExpand={(s) => expanded.has(s)}
              onExpand={expand}
              onSelect={select}
              onWalk={walkOn}
              onWhichRuns={whichRuns}
            />
          )}
        </div>
      )}
    </>
  );
}
