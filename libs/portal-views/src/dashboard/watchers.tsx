import { client, JobService, useServerStream, WorkflowService } from '@cairn/portal-client';
import { jobStateName, workflowStateName } from '@cairn/portal-ui';

/** Called with a row's new state from its watch stream. */
export type OnLiveState = (id: string, state: string, sequence: number) => void;

/** Follows one run's WatchWorkflow stream while mounted; renders nothing. */
export function WorkflowWatcher({ runId, onState }: { readonly runId: string; readonly onState: OnLiveState }) {
  useServerStream(
    runId,
    (signal) => client(WorkflowService).watchWorkflow({ runId }, { signal }),
    (event) => onState(runId, workflowStateName(event.state), Number(event.sequence)),
  );
  return null;
}

/** Follows one job's WatchJob stream while mounted; renders nothing. */
export function JobWatcher({ jobId, onState }: { readonly jobId: string; readonly onState: OnLiveState }) {
  useServerStream(
    jobId,
    (signal) => client(JobService).watchJob({ jobId }, { signal }),
    (event) => onState(jobId, jobStateName(event.state), event.sequence),
  );
  return null;
}
