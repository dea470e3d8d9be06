import { stateTone } from './state';

export interface StateBadgeProps {
  /** The state's name without its enum prefix, e.g. "RUNNING" (see jobStateName & co.). */
  readonly state: string;
  /** data-testid: "state" unless the page names it (e.g. "job-state", "workflow-state"). */
  readonly testId?: string;
}

/** A state as text and colour: `<span data-testid="state" data-state="RUNNING">RUNNING</span>`. */
export function StateBadge({ state, testId = 'state' }: StateBadgeProps) {
  return (
    <span className={`state-badge state-${stateTone(state)}`} data-testid={testId} data-state={state}>
      {state}
    </span>
  );
}
