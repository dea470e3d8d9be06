import type { StreamStatus } from '@cairn/portal-client';
import { ErrorMessage, formatAbsolute, StateBadge } from '@cairn/portal-ui';
import { hasGaps, type Timeline } from './job-timeline';

const STATUS_TEXT: Record<StreamStatus, string> = {
  idle: '',
  connecting: 'Connecting…',
  open: 'Live',
  retrying: 'Connection lost: reconnecting…',
  ended: 'Final: no more changes',
  failed: 'Not following changes',
};

/** Each state the job went through, with its time, as WatchJob reports them (live). */
export function JobStateTimeline({ timeline, status, error }: { readonly timeline: Timeline; readonly status: StreamStatus; readonly error?: unknown }) {
  return (
    <section aria-labelledby="timeline-title">
      <h2 id="timeline-title">State timeline</h2>
      <p className="field-help" role="status">
        {STATUS_TEXT[status]}
      </p>
      {status === 'failed' && error !== undefined && <ErrorMessage error={error} context="Could not follow the job" />}
      {timeline.length === 0 ? (
        <p>No changes recorded yet.</p>
      ) : (
        <ol className="timeline" data-testid="job-timeline">
          {timeline.map((e) => (
            <li key={e.sequence} data-state={e.state}>
              <StateBadge state={e.state} />{' '}
              {e.time !== undefined ? <time dateTime={e.time.toISOString()}>{formatAbsolute(e.time)}</time> : <span>time unknown</span>}
              {e.sequence === 0 && ' (its earlier changes have expired)'}
              {e.reason !== '' && <span>: {e.reason}</span>}
              {e.exitCode !== undefined && <span> (exit code {e.exitCode})</span>}
            </li>
          ))}
        </ol>
      )}
      {hasGaps(timeline) && <p className="notice">Some changes are missing from this timeline.</p>}
    </section>
  );
}
