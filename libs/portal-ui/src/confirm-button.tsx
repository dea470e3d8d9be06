import { useEffect, useId, useRef, useState } from 'react';

export interface ConfirmButtonProps {
  /** The button, e.g. "Cancel job". */
  readonly label: string;
  /** The question asked before acting, e.g. "Cancel this job? Its Slurm job is stopped." */
  readonly question: string;
  /** The confirming button, e.g. "Yes, cancel job". */
  readonly confirmLabel: string;
  /** The button that backs out, e.g. "No, keep it". */
  readonly keepLabel?: string;
  readonly onConfirm: () => void;
  readonly busy?: boolean;
  readonly disabled?: boolean;
  readonly danger?: boolean;
}

/**
 * A button that asks first, in the page (no browser dialog): "Cancel job" shows the question
 * in a non-modal `role="dialog"` with "Yes, cancel job" and "No, keep it"; focus moves to the
 * confirm button, Escape backs out.
 */
export function ConfirmButton({ label, question, confirmLabel, keepLabel = 'No, keep it', onConfirm, busy = false, disabled = false, danger = true }: ConfirmButtonProps) {
  const [asking, setAsking] = useState(false);
  const id = useId();
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);

  if (!asking) {
    return (
      <button type="button" className={danger ? 'button-danger' : undefined} onClick={() => setAsking(true)} disabled={disabled || busy}>
        {busy ? `${label}…` : label}
      </button>
    );
  }
  return (
    <div className="confirm" role="dialog" aria-modal="false" aria-labelledby={id}>
      <p id={id}>{question}</p>
      <div
        className="button-row"
        onKeyDown={(e) => {
          if (e.key === 'Escape') setAsking(false);
        }}
      >
        <button
          ref={confirmRef}
          type="button"
          className={danger ? 'button-danger' : undefined}
          onClick={() => {
            setAsking(false);
            onConfirm();
          }}
        >
          {confirmLabel}
        </button>
        <button type="button" className="button-quiet" onClick={() => setAsking(false)}>
          {keepLabel}
        </button>
      </div>
    </div>
  );
}
