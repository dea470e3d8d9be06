import { StepKind, StepState, type LoopIteration, type Workflow, type WorkflowStep } from '@cairn/portal-client';

/** One line of a chart (the shape MetricChart takes). */
export interface Series {
  name: string;
  points: [number, number][];
}

/** The loops of a run that have iterations, in the order their first iteration appears. */
export function loopsOf(iterations: readonly LoopIteration[]): string[] {
  return [...new Set(iterations.map((i) => i.loop))];
}

/** Every metric name of some iterations, sorted. */
export function metricNames(iterations: readonly LoopIteration[]): string[] {
  return [...new Set(iterations.flatMap((i) => Object.keys(i.metrics)))].sort();
}

/**
 * A loop's metrics as chart series: x = iteration, one series per metric (non-finite
 * values left out). A metric that is the iteration number itself (the active-learning
 * example writes one) only repeats the x axis: it stays in the table, not in the chart.
 */
export function iterationSeries(iterations: readonly LoopIteration[], loop: string): Series[] {
  const mine = iterations.filter((i) => i.loop === loop).sort((a, b) => a.iteration - b.iteration);
  const series = metricNames(mine).map((name) => ({
    name,
    points: mine.flatMap((i): [number, number][] => {
      const value = Object.hasOwn(i.metrics, name) ? i.metrics[name] : undefined;
      return value !== undefined && Number.isFinite(value) ? [[i.iteration, value]] : [];
    }),
  }));
  return series.filter((s) => !(s.points.length > 0 && s.points.every(([x, y]) => x === y)));
}

/** Why a loop stopped, in words. */
export function stopText(stop: string): string {
  switch (stop) {
    case '':
      return '';
    case 'condition':
      return 'condition met';
    case 'max-iterations':
      return 'iteration budget reached';
    case 'max-wall-time':
      return 'wall-time budget spent';
    default:
      return stop;
  }
}

/** An array step instance as its progress row shows it. */
export interface ArrayProgress {
  key: string;
  state: string;
  total: number;
  done: number;
  failed: number;
  /** Items neither done nor failed while the step runs (queued or running); 0 otherwise. */
  running: number;
  /** "Failed items, by index: 3 (exit 1), 17 (exit 2) and 5 more", or "" when none failed. */
  failedText: string;
  reason: string;
  jobHref?: string;
}

/** An item's exit status in words: "exit 3", or "no exit status" (-1: it never reported one). */
function exitText(code: number | undefined): string {
  if (code === undefined) return '';
  return code < 0 ? ' (no exit status)' : ` (exit ${code})`;
}

/**
 * The failed items of an array step, named by index with their exit status when known
 * ("Failed items, by index: 3 (exit 2), 17 (no exit status) and 5 more"; the API lists at most
 * 100).
 */
export function failedItemsText(step: WorkflowStep): string {
  const listed = step.failedItems;
  const count = Math.max(step.items?.failed ?? 0, listed.length);
  if (count === 0) return '';
  const more = count - listed.length;
  const codes = step.failedItemExitCodes.length === listed.length ? step.failedItemExitCodes : [];
  const names = listed.map((item, i) => `${item}${exitText(codes[i])}`).join(', ');
  if (listed.length === 0) return `${count} item${count === 1 ? '' : 's'} failed`;
  return `Failed item${count === 1 ? '' : 's'}, by index: ${names}${more > 0 ? ` and ${more} more` : ''}`;
}

/** The array step instances of a run with their item counts, in the run's order. */
export function arrayProgress(workflow: Workflow): ArrayProgress[] {
  return workflow.steps
    .filter((s) => s.kind === StepKind.ARRAY)
    .map((s) => {
      const total = s.items?.total ?? 0;
      const done = s.items?.succeeded ?? 0;
      const failed = s.items?.failed ?? 0;
      const job = s.jobIds.at(-1);
      return {
        key: s.key,
        state: StepState[s.state] ?? 'UNSPECIFIED',
        total,
        done,
        failed,
        running: s.state === StepState.RUNNING ? Math.max(0, total - done - failed) : 0,
        failedText: failedItemsText(s),
        reason: s.reason,
        ...(job ? { jobHref: `/jobs/${encodeURIComponent(job)}` } : {}),
      };
    });
}

/** A decision's JSON for a table cell: on one line (compacted when it parses), shortened past `max` characters. */
export function decisionText(decision: string, max = 80): string {
  let text = decision.trim();
  try {
    text = JSON.stringify(JSON.parse(text));
  } catch {
    text = text.replace(/\s+/g, ' ');
  }
  const chars = [...text];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}

/** A metric value for a table cell: up to 6 significant digits. */
export function metricText(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  return String(Number(value.toPrecision(6)));
}
