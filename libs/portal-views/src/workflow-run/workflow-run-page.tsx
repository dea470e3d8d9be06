import { Code } from '@connectrpc/connect';
import { Link, useParams } from 'react-router';
import { ErrorMessage } from '@cairn/portal-ui';
import { WorkflowState, type ServerStreamState } from '@cairn/portal-client';
import { ArraySteps } from './array-steps';
import { CancelRun } from './cancel-run';
import { LoopIterations } from './loop-iterations';
import { RunFacts } from './run-facts';
import { RunSteps } from './run-steps';
import { useWorkflowRun } from './use-workflow-run';
import './workflow-run.css';

/** /workflows/:id — one run, live: its state, step graph, array progress, loop iterations and metrics. */
export function WorkflowRunPage() {
  const { id = '' } = useParams();
  return <RunView key={id} runId={id} />;
}

function RunView({ runId }: { readonly runId: string }) {
  const { view, loadError, stream, replace, reload } = useWorkflowRun(runId);
  if (view === undefined) {
    if (loadError?.code === Code.NotFound || loadError?.code === Code.InvalidArgument) {
      return (
        <>
          <h1>Workflow run</h1>
          <p data-testid="not-found">No such run (or not yours).</p>
        </>
      );
    }
    return (
      <>
        <h1>Workflow run</h1>
        {loadError === undefined ? (
          <p role="status">Loading the run…</p>
        ) : (
          <>
            <ErrorMessage error={loadError} context="Could not load the run" />
            <div className="button-row">
              <button type="button" onClick={reload}>
                Try again
              </button>
            </div>
          </>
        )}
      </>
    );
  }
  const workflow = view.workflow;
  const running = workflow.state === WorkflowState.RUNNING;
  return (
    <>
      <h1>
        Workflow run <span className="run-name">{workflow.name || workflow.runId}</span>
      </h1>
      <LiveStatus stream={stream} ended={!running} />
      <RunFacts workflow={workflow} />
      <p>
        <Link to={`/provenance/${encodeURIComponent(workflow.runId)}`}>Provenance</Link>: who ran it, with which files, images and parameters; export it or re-run it.
      </p>
      {running && <CancelRun runId={workflow.runId} name={workflow.name} onCancelled={replace} />}
      <RunSteps workflow={workflow} />
      <ArraySteps workflow={workflow} />
      <LoopIterations workflow={workflow} />
    </>
  );
}

/** Whether the page is following the run live (a polite live region). */
function LiveStatus({ stream, ended }: { readonly stream: ServerStreamState; readonly ended: boolean }) {
  const text = ended
    ? 'The run has ended; this page shows its final state.'
    : stream.status === 'open'
      ? 'Live: changes appear as they happen.'
      : stream.status === 'retrying'
        ? 'Connection lost: reconnecting…'
        : stream.status === 'failed'
          ? 'Live updates stopped; reload the page to try again.'
          : 'Connecting for live updates…';
  return (
    <p className="run-live" role="status" data-testid="live-status" data-status={ended ? 'ended' : stream.status}>
      {text}
    </p>
  );
}
