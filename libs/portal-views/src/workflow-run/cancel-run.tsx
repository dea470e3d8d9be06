import { useEffect, useRef, useState } from 'react';
import { client, WorkflowService, type Workflow } from '@cairn/portal-client';
import { ErrorMessage } from '@cairn/portal-ui';

export interface CancelRunProps {
  readonly runId: string;
  readonly name: string;
  /** Called with the run as CancelWorkflow answered. */
  readonly onCancelled: (workflow: Workflow) => void;
}

/**
 * "Cancel run", then a confirmation on the page ("Yes, cancel the run" / "Keep it
 * running"), then CancelWorkflow: waiting steps are cancelled, running Slurm jobs too.
 */
export function CancelRun({ runId, name, onCancelled }: CancelRunProps) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState(false);
  const confirm = useRef<HTMLButtonElement>(null);
  const start = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (asking) confirm.current?.focus();
  }, [asking]);

  const cancel = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const response = await client(WorkflowService).cancelWorkflow({ runId });
      setDone(true);
      setAsking(false);
      if (response.workflow) onCancelled(response.workflow);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (done) return <p className="notice" role="status">Cancelling: waiting steps are cancelled and running Slurm jobs are being stopped.</p>;
  return (
    <div className="cancel-run">
      {!asking ? (
        <div className="button-row">
          <button type="button" ref={start} className="button-danger" onClick={() => setAsking(true)}>
            Cancel run
          </button>
        </div>
      ) : (
        <div className="notice" role="group" aria-labelledby="cancel-run-question">
          <p id="cancel-run-question">
            Cancel the run of <strong>{name}</strong>? Its waiting steps are cancelled and its running Slurm jobs are stopped. This cannot be undone.
          </p>
          <div className="button-row">
            <button type="button" ref={confirm} className="button-danger" disabled={busy} onClick={() => void cancel()}>
              {busy ? 'Cancelling…' : 'Yes, cancel the run'}
            </button>
            <button
              type="button"
              className="button-quiet"
              disabled={busy}
              onClick={() => {
                setAsking(false);
                setTimeout(() => start.current?.focus(), 0);
              }}
            >
              Keep it running
            </button>
          </div>
        </div>
      )}
      {error !== undefined && <ErrorMessage error={error} context="Could not cancel the run" />}
    </div>
  );
}
