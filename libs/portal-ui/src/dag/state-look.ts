/**
 * How a state looks, so colour is never its only sign: each state has a symbol and a
 * line style besides its colour (the state's name is written in the box too).
 */
export interface StateLook {
  /** A symbol drawn before the state's name. */
  symbol: string;
  /** The box's fill and line colours (text stays dark on the fill: contrast above 7:1). */
  fill: string;
  stroke: string;
  /** SVG stroke-dasharray: dashed for what has not run. */
  dash?: string;
  /** Thicker lines for what needs attention (running, failed). */
  strokeWidth: number;
}

const LOOKS: Record<string, StateLook> = {
  SUCCEEDED: { symbol: '✓', fill: '#e3f4e8', stroke: '#1e7b3a', strokeWidth: 1.5 },
  RUNNING: { symbol: '▶', fill: '#e4effc', stroke: '#1f5fbf', strokeWidth: 3 },
  QUEUED: { symbol: '…', fill: '#f1f1f4', stroke: '#5c5f6b', dash: '6 3', strokeWidth: 1.5 },
  PENDING: { symbol: '…', fill: '#f1f1f4', stroke: '#5c5f6b', dash: '6 3', strokeWidth: 1.5 },
  WAITING: { symbol: '◷', fill: '#f6f6f8', stroke: '#5c5f6b', dash: '6 3', strokeWidth: 1.5 },
  FAILED: { symbol: '✗', fill: '#fde7e7', stroke: '#b3261e', strokeWidth: 3 },
  CANCELLED: { symbol: '⊘', fill: '#fff1dd', stroke: '#8a5300', dash: '2 3', strokeWidth: 2 },
  SKIPPED: { symbol: '–', fill: '#f6f6f8', stroke: '#6b6e78', dash: '2 3', strokeWidth: 1.5 },
};

const PLANNED: StateLook = { symbol: '', fill: '#ffffff', stroke: '#3d4150', strokeWidth: 1.5 };

/** The look of a state (a planned step with no state: a plain box). */
export function stateLook(state: string | undefined): StateLook {
  if (state === undefined) return PLANNED;
  return Object.hasOwn(LOOKS, state) ? (LOOKS[state] as StateLook) : { ...PLANNED, symbol: '•' };
}
