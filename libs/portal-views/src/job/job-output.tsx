import { client, JobService, OutputStream } from '@cairn/portal-client';
import { errorCode, ErrorMessage } from '@cairn/portal-ui';
import { Code } from '@connectrpc/connect';
import { useQuery } from '@tanstack/react-query';
import { useLayoutEffect, useRef, useState } from 'react';
import { formatBytes, isAtEnd, moreOutputBytes, OUTPUT_FIRST_BYTES, OUTPUT_MAX_BYTES, outputText } from './job-model';

/** While the job runs its output is read again this often (GetJobOutput has no stream); once it ends, once more, then never. */
const FOLLOW_MS = 2000;

export interface JobOutputProps {
  readonly jobId: string;
  readonly which: 'stdout' | 'stderr';
  /** The job has not ended: keep following the end. */
  readonly following: boolean;
}

/** The end of a job's stdout or stderr, tailed while it runs: `<pre data-testid="job-stdout">`. */
export function JobOutput({ jobId, which, following }: JobOutputProps) {
  const [maxBytes, setMaxBytes] = useState(OUTPUT_FIRST_BYTES);
  const stream = which === 'stdout' ? OutputStream.STDOUT : OutputStream.STDERR;
  const output = useQuery({
    // `following` is in the key: when the job ends its output is read once more, then kept.
    queryKey: ['cairn', 'job-output', jobId, which, maxBytes, following],
    queryFn: async ({ signal }) => {
      const r = await client(JobService).getJobOutput({ jobId, stream, maxBytes }, { signal });
      return { text: outputText(r.data), truncated: r.truncated };
    },
    refetchInterval: following ? FOLLOW_MS : false,
    placeholderData: (previous) => previous,
    retry: false,
  });

  const pre = useRef<HTMLPreElement>(null);
  const atEnd = useRef(true);
  useLayoutEffect(() => {
    const el = pre.current;
    if (el !== null && atEnd.current) el.scrollTop = el.scrollHeight;
  }, [output.data?.text]);

  const title = which === 'stdout' ? 'Standard output' : 'Standard error';
  const notYet = errorCode(output.error) === Code.FailedPrecondition;
  return (
    <section aria-labelledby={`${which}-title`}>
      <h3 id={`${which}-title`}>{title}</h3>
      {output.data?.truncated === true && (
        <p className="field-help">
          Showing the last {formatBytes(maxBytes)}.{' '}
          {maxBytes < OUTPUT_MAX_BYTES && (
            <button type="button" className="button-quiet" onClick={() => setMaxBytes(moreOutputBytes(maxBytes))}>
              Show more {which}
            </button>
          )}
        </p>
      )}
      <pre
        ref={pre}
        className="output"
        data-testid={`job-${which}`}
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          atEnd.current = isAtEnd(el.scrollTop, el.clientHeight, el.scrollHeight);
        }}
      >
        {output.data?.text ?? ''}
      </pre>
      {notYet && <p className="field-help">No output yet: the job is not in Slurm yet.</p>}
      {output.error !== null && !notYet && <ErrorMessage error={output.error} context={`Could not read the ${which}`} />}
      {output.data !== undefined && output.data.text === '' && !notYet && <p className="field-help">{following ? 'Nothing written yet.' : 'Nothing was written.'}</p>}
    </section>
  );
}
