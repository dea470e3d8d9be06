import { ConnectError } from '@connectrpc/connect';
import { useCallback, useEffect, useRef, useState } from 'react';
import { backoffMs, client, useServerStream, WorkflowService, type ServerStreamState, type WatchWorkflowResponse, type Workflow } from '@cairn/portal-client';
import { applyEvents, fromSnapshot, isFinalRunState, type RunView } from './run-state';

/** Events arriving within this many milliseconds are applied (and rendered) together. */
const BATCH_MS = 40;

export interface WorkflowRun {
  /** The run as last known: undefined until GetWorkflow answers. */
  readonly view: RunView | undefined;
  /** Why GetWorkflow failed (NOT_FOUND: no such run, or not yours). */
  readonly loadError: ConnectError | undefined;
  /** The WatchWorkflow stream (idle once the run has ended). */
  readonly stream: ServerStreamState;
  /** Takes a newer snapshot (e.g. CancelWorkflow's answer). */
  readonly replace: (workflow: Workflow) => void;
  /** Reads the run again and reopens the stream. */
  readonly reload: () => void;
}

/**
 * A run, live: GetWorkflow for the snapshot, then WatchWorkflow while it has not ended,
 * each change applied to the view (a burst of them rendered once). The stream is closed
 * on unmount and when the run ends; after a drop it is reopened with a backoff and its
 * replay is deduplicated by sequence; if the server closes it before the run has ended,
 * the run is read again and the stream reopened (backing off when that repeats).
 */
export function useWorkflowRun(runId: string): WorkflowRun {
  const [view, setView] = useState<RunView | undefined>(undefined);
  const [loadError, setLoadError] = useState<ConnectError | undefined>(undefined);
  const [generation, setGeneration] = useState(0);
  const pending = useRef<WatchWorkflowResponse[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const earlyEnds = useRef(0);

  useEffect(() => {
    const controller = new AbortController();
    client(WorkflowService)
      .getWorkflow({ runId }, { signal: controller.signal })
      .then(
        (response) => {
          if (controller.signal.aborted || response.workflow === undefined) return;
          const workflow = response.workflow;
          setLoadError(undefined);
          setView((previous) => fromSnapshot(workflow, previous));
        },
        (e: unknown) => {
          if (!controller.signal.aborted) setLoadError(ConnectError.from(e));
        },
      );
    return () => controller.abort();
  }, [runId, generation]);

  const flush = useCallback(() => {
    if (timer.current !== undefined) clearTimeout(timer.current);
    timer.current = undefined;
    const events = pending.current;
    pending.current = [];
    if (events.length > 0) setView((v) => (v === undefined ? v : applyEvents(v, events)));
  }, []);
  useEffect(() => flush, [flush]);

  const onEvent = useCallback(
    (event: WatchWorkflowResponse) => {
      earlyEnds.current = 0;
      pending.current.push(event);
      timer.current ??= setTimeout(flush, BATCH_MS);
    },
    [flush],
  );

  const live = view !== undefined && !isFinalRunState(view.workflow.state);
  const stream = useServerStream(live ? `${runId}#${generation}` : null, (signal) => client(WorkflowService).watchWorkflow({ runId }, { signal }), onEvent);

  // The server closed the stream but the run has not ended (e.g. the gateway restarted):
  // read the run again and reopen, backing off when it keeps happening.
  useEffect(() => {
    if (stream.status !== 'ended') return undefined;
    flush();
    earlyEnds.current += 1;
    const again = setTimeout(() => setGeneration((g) => g + 1), backoffMs(earlyEnds.current));
    return () => clearTimeout(again);
  }, [stream.status, flush]);

  const replace = useCallback((workflow: Workflow) => {
    setView((previous) => fromSnapshot(workflow, previous));
  }, []);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { view, loadError, stream, replace, reload };
}
