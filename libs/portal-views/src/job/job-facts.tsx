import type { Job } from '@cairn/portal-client';
import { formatDuration, formatMebibytes, plural, RelativeTime } from '@cairn/portal-ui';
import { arraySummary, commandText } from './job-model';

/** What a job is and where it runs: spec, resources, Slurm id, pinned image, exit code, owner, account. */
export function JobFacts({ job, exitCode, slurmJobId }: { readonly job: Job; readonly exitCode?: number; readonly slurmJobId: string }) {
  const spec = job.spec;
  const r = spec?.resources;
  const array = arraySummary(spec?.array);
  const env = Object.keys(spec?.env ?? {});
  return (
    <section aria-labelledby="facts-title">
      <h2 id="facts-title">Details</h2>
      <dl className="facts">
        <dt>Job id</dt>
        <dd className="mono">{job.jobId}</dd>
        <dt>Owner</dt>
        <dd>{job.owner === undefined ? '—' : `${job.owner.name} (runs as ${job.owner.posixUser})`}</dd>
        <dt>Slurm account</dt>
        <dd>{job.account || '—'}</dd>
        <dt>Site</dt>
        <dd>{spec?.site || '—'}</dd>
        <dt>Slurm job id</dt>
        <dd className="mono" data-testid="slurm-job-id">
          {slurmJobId || 'not in Slurm yet'}
        </dd>
        <dt>Exit code</dt>
        <dd data-testid="exit-code">{exitCode === undefined ? '—' : exitCode}</dd>
        {job.reason !== '' && (
          <>
            <dt>Reason</dt>
            <dd>{job.reason}</dd>
          </>
        )}
        <dt>Image</dt>
        <dd className="mono">{spec?.image ?? '—'}</dd>
        <dt>Pinned image</dt>
        <dd className="mono" data-testid="image-digest">
          {job.imageDigest || '—'}
        </dd>
        <dt>Command</dt>
        <dd>
          <code>{commandText(spec?.command ?? [])}</code>
        </dd>
        {env.length > 0 && (
          <>
            <dt>Environment</dt>
            <dd className="mono">{env.join(', ')}</dd>
          </>
        )}
        <dt>Resources</dt>
        <dd>
          {r === undefined
            ? 'site defaults'
            : `${r.cpus ? plural(r.cpus, 'CPU') : 'default CPUs'}, ${r.memoryMb ? formatMebibytes(r.memoryMb) : 'default memory'}, ${r.timeLimitSeconds ? formatDuration(r.timeLimitSeconds) : 'default time limit'}, partition ${r.partition || 'default'}`}
        </dd>
        {array !== undefined && (
          <>
            <dt>Array</dt>
            <dd>{array}</dd>
          </>
        )}
        <dt>Submitted</dt>
        <dd>
          <RelativeTime time={job.createTime} />
        </dd>
        <dt>Last change</dt>
        <dd>
          <RelativeTime time={job.updateTime} />
        </dd>
      </dl>
    </section>
  );
}
