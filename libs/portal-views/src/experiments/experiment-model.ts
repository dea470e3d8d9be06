import { StepKind, WorkflowState, type Workflow } from '@cairn/portal-client';
import type { ChartSeries } from '@cairn/portal-ui';

/** The most runs compared at once (each is one GetWorkflow and one line per chart). */
export const MAX_COMPARED_RUNS = 8;

/** A protobuf Timestamp in milliseconds; undefined when unset. */
export function millis(ts: { seconds: bigint; nanos: number } | undefined): number | undefined {
  return ts === undefined ? undefined : Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1_000_000);
}

/** "1f3c9a2b": a run's short name in legends and tables. */
export const shortId = (runId: string) => runId.slice(0, 8);

/** The distinct workflow names among runs, sorted (the experiment picker's choices). */
export function workflowNames(runs: readonly Pick<Workflow, 'name'>[]): string[] {
  return [...new Set(runs.map((r) => r.name).filter((n) => n !== ''))].sort((a, b) => a.localeCompare(b));
}

/** The name of a metric of one loop: "val_accuracy", or "learn: val_accuracy" when the workflow has several loops. */
function metricName(loop: string, metric: string, loops: number): string {
  return loops > 1 ? `${loop}: ${metric}` : metric;
}

function loopsOf(runs: readonly Workflow[]): number {
  return new Set(runs.flatMap((r) => r.iterations.map((i) => i.loop))).size;
}

/** Every metric any of the runs reports, sorted. */
export function metricNames(runs: readonly Workflow[]): string[] {
  const loops = loopsOf(runs);
  const names = new Set<string>();
  for (const run of runs) for (const it of run.iterations) for (const [m, v] of Object.entries(it.metrics)) if (Number.isFinite(v)) names.add(metricName(it.loop, m, loops));
  return [...names].sort((a, b) => a.localeCompare(b));
}

/** The legend's name of a run: "run 1f3c9a2b". */
export const runLabel = (run: Pick<Workflow, 'runId'>) => `run ${shortId(run.runId)}`;

/**
 * The curves to overlay, per metric: one series per run, x = the loop iteration, y = the
 * metric's value in it. Non-finite values are left out (a chart cannot draw them).
 */
export function metricSeries(runs: readonly Workflow[]): Map<string, ChartSeries[]> {
  const loops = loopsOf(runs);
  const out = new Map<string, ChartSeries[]>();
  for (const name of metricNames(runs)) out.set(name, []);
  for (const run of runs) {
    const byMetric = new Map<string, [number, number][]>();
    for (const it of run.iterations) {
      for (const [m, v] of Object.entries(it.metrics)) {
        if (!Number.isFinite(v)) continue;
        const name = metricName(it.loop, m, loops);
        byMetric.set(name, [...(byMetric.get(name) ?? []), [it.iteration, v]]);
      }
    }
    for (const [name, points] of byMetric) out.get(name)?.push({ name: runLabel(run), points });
  }
  return out;
}

/** One row of the final-metrics table. */
export interface ExperimentRow {
  runId: string;
  state: string;
  /** Milliseconds since the epoch; undefined when unknown. */
  started?: number;
  /** Seconds from submission to the end (or to `now` while running). */
  durationSeconds?: number;
  iterations: number;
  /** Each metric's value in the last iteration that reported it. */
  last: Record<string, number>;
  /** How the loop ended: "condition: stopped after iteration 4: ... held", "max-iterations", or the run's reason. */
  outcome: string;
  /** The last decision the decide step wrote (JSON as written, cut short). */
  decision: string;
}

const MAX_DECISION_CHARS = 120;

/** The table under the charts: one row per run, newest first as given. */
export function experimentRows(runs: readonly Workflow[], now: number): ExperimentRow[] {
  const loops = loopsOf(runs);
  return runs.map((run) => {
    const last: Record<string, number> = {};
    for (const it of run.iterations) {
      for (const [m, v] of Object.entries(it.metrics)) {
        if (Number.isFinite(v)) Object.defineProperty(last, metricName(it.loop, m, loops), { value: v, enumerable: true, writable: true, configurable: true });
      }
    }
    const started = millis(run.createTime);
    const ended = millis(run.endTime);
    const end = ended ?? (run.state === WorkflowState.RUNNING ? now : undefined);
    const stopped = [...run.iterations].reverse().find((i) => i.stop !== '');
    const loopReasons = run.steps.filter((s) => s.kind === StepKind.LOOP && s.reason !== '').map((s) => s.reason);
    const outcome = [stopped ? `stopped on ${stopped.stop}` : '', ...loopReasons, run.reason].filter((s, i, all) => s !== '' && all.indexOf(s) === i).join('; ');
    const decision = [...run.iterations].reverse().find((i) => i.decision !== '')?.decision ?? '';
    return {
      runId: run.runId,
      state: WorkflowState[run.state] ?? 'UNSPECIFIED',
      ...(started === undefined ? {} : { started }),
      ...(started === undefined || end === undefined ? {} : { durationSeconds: Math.max(0, Math.round((end - started) / 1000)) }),
      iterations: run.iterations.length + run.omittedIterations,
      last,
      outcome,
      decision: decision.length > MAX_DECISION_CHARS ? `${decision.slice(0, MAX_DECISION_CHARS)}…` : decision,
    };
  });
}

/** The runs to compare from the URL's `runs=a,b,c` (distinct, bounded). */
export function parseRunIds(param: string | null): string[] {
  if (param === null || param === '') return [];
  return [...new Set(param.split(',').map((s) => s.trim()).filter((s) => /^[A-Za-z0-9-]{1,64}$/.test(s)))].slice(0, MAX_COMPARED_RUNS);
}

/** Adds or removes a run from the comparison (at most MAX_COMPARED_RUNS; the oldest choice gives way). */
export function toggleRun(selected: readonly string[], runId: string): string[] {
  if (selected.includes(runId)) return selected.filter((id) => id !== runId);
  return [...selected, runId].slice(-MAX_COMPARED_RUNS);
}
