import { normalise, progressShares, progressText, type ItemProgress } from './progress';
import './progress-bar.css';

export interface ProgressBarProps extends ItemProgress {
  /** What the bar counts, e.g. "score items" (its accessible name). */
  readonly label: string;
}

/**
 * An array step's items as a bar (done, failed, running, to do: each part has its own
 * colour and pattern) with the same counts written beside it: "37 of 100 done, 2 failed".
 */
export function ProgressBar({ label, ...counts }: ProgressBarProps) {
  const n = normalise(counts);
  const shares = progressShares(counts);
  const text = progressText(counts);
  return (
    <div className="cairn-progress">
      <div className="cairn-progress-track" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={n.total} aria-valuenow={n.done} aria-valuetext={text}>
        <span className="cairn-progress-done" style={{ width: `${shares.done}%` }} />
        <span className="cairn-progress-failed" style={{ width: `${shares.failed}%` }} />
        <span className="cairn-progress-running" style={{ width: `${shares.running}%` }} />
      </div>
      <span className="cairn-progress-text" data-testid="progress-text">
        {text}
      </span>
    </div>
  );
}
