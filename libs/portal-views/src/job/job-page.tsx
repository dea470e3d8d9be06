import { client, JobService } from '@cairn/portal-client';
import { ConfirmButton, errorCode, ErrorMessage, isFinalJobState, jobStateName, StateBadge } from '@cairn/portal-ui';
import { Code } from '@connectrpc/connect';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link, useParams } from 'react-router';
import { JobFacts } from './job-facts';
import { JobOutput } from './job-output';
import { JobStateTimeline } from './job-state-timeline';
import { isFinalStateName } from '../dashboard/live-states';
import { lastKnown, latestState } from './job-timeline';
import { useJobTimeline } from './use-job-timeline';

const HIDDEN = new Set([Code.NotFound, Code.PermissionDenied, Code.InvalidArgument]);

/** `/jobs/:id`: a job's live state timeline, its output tailed live, its details; "Cancel job". */
export function JobPage() {
  const { id = '' } = useParams();
  const queryClient = useQueryClient();
  const job = useQuery({
    queryKey: ['cairn', 'job', id],
    queryFn: async ({ signal }) => (await client(JobService).getJob({ jobId: id }, { signal })).job,
  });
  const live = useJobTimeline(job.data === undefined ? null : id);
  const state = latestState(live.timeline, job.data === undefined ? 'UNSPECIFIED' : jobStateName(job.data.state));
  const final = job.data !== undefined && (isFinalStateName(state) || (live.timeline.length === 0 && isFinalJobState(job.data.state)));

  // The record (reason, update time) is read again once the job has ended.
  useEffect(() => {
    if (final) void queryClient.invalidateQueries({ queryKey: ['cairn', 'job', id] });
  }, [final, id, queryClient]);

  const cancel = useMutation({
    mutationFn: () => client(JobService).cancelJob({ jobId: id }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['cairn', 'job', id] }),
  });

  if (job.isPending) {
    return (
      <>
        <h1>Job</h1>
        <p role="status">Loading the job…</p>
      </>
    );
  }
  if (job.isError || job.data === undefined) {
    const code = errorCode(job.error);
    return code !== undefined && HIDDEN.has(code) ? (
      <>
        <h1>No such job (or not yours)</h1>
        <p>
          There is no job <code>{id}</code> that you may see. <Link to="/">Back to the dashboard</Link>.
        </p>
      </>
    ) : (
      <>
        <h1>Job</h1>
        <ErrorMessage error={job.error} context="Could not load the job" />
      </>
    );
  }

  const j = job.data;
  return (
    <>
      <h1>
        Job {j.spec?.name || j.jobId} <StateBadge state={state} testId="job-state" />
      </h1>
      {!final && (
        <div className="button-row">
          <ConfirmButton
            label="Cancel job"
            question="Cancel this job? Slurm stops it if it is running."
            confirmLabel="Yes, cancel job"
            onConfirm={() => cancel.mutate()}
            busy={cancel.isPending}
          />
        </div>
      )}
      {cancel.isSuccess && !final && <p role="status">Cancel requested: the job turns CANCELLED once its site confirms.</p>}
      {cancel.isError && <ErrorMessage error={cancel.error} context="Could not cancel the job" />}
      <p>
        <Link to={`/provenance/${encodeURIComponent(j.jobId)}?node=${encodeURIComponent(`job:${j.jobId}`)}`}>Provenance</Link>: what it used and made, and the run it belongs to.
      </p>
      <JobStateTimeline timeline={live.timeline} status={live.status} error={live.error} />
      <section aria-labelledby="output-title">
        <h2 id="output-title">Output</h2>
        <JobOutput jobId={id} which="stdout" following={!final} />
        <JobOutput jobId={id} which="stderr" following={!final} />
      </section>
      <JobFacts job={j} exitCode={lastKnown(live.timeline, 'exitCode') ?? j.exitCode} slurmJobId={lastKnown(live.timeline, 'slurmJobId') ?? j.slurmJobId} />
    </>
  );
}
