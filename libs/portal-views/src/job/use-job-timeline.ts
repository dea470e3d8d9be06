import { client, JobService, useServerStream, type StreamStatus, type WatchJobResponse } from '@cairn/portal-client';
import { jobStateName, toDate } from '@cairn/portal-ui';
import { useCallback, useState } from 'react';
import { addEvent, type Timeline, type TimelineEvent } from './job-timeline';

function toEvent(e: WatchJobResponse): TimelineEvent {
  return {
    sequence: e.sequence,
    state: jobStateName(e.state),
    time: toDate(e.time),
    reason: e.reason,
    exitCode: e.exitCode,
    slurmJobId: e.slurmJobId,
  };
}

/** A job's state timeline, live from WatchJob (replayed from the first change, then as it happens, until it ends). */
export function useJobTimeline(jobId: string | null): { readonly timeline: Timeline; readonly status: StreamStatus; readonly error?: unknown } {
  const [timeline, setTimeline] = useState<{ id: string | null; events: Timeline }>({ id: jobId, events: [] });
  const onMessage = useCallback((m: WatchJobResponse) => setTimeline((t) => ({ id: jobId, events: addEvent(t.id === jobId ? t.events : [], toEvent(m)) })), [jobId]);
  const stream = useServerStream(jobId, (signal) => client(JobService).watchJob({ jobId: jobId ?? '' }, { signal }), onMessage);
  return { timeline: timeline.id === jobId ? timeline.events : [], status: stream.status, error: stream.error };
}
