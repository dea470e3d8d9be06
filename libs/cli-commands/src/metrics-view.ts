import pc from 'picocolors';
import type { pb } from '@cairn/contracts';
import { UsageError } from './cli.errors';
import { type ChartPoint, metricChart } from './metrics-chart';
import { formatMetric, table } from './render';
import { coloredStepState, coloredWorkflowState, elapsed, shortTime } from './workflow-view';

/** Loop iterations grouped by loop, loops in the order they first ran, iterations in order. */
function byLoop(iterations: readonly pb.LoopIteration[]): Map<string, pb.LoopIteration[]> {
  const loops = new Map<string, pb.LoopIteration[]>();
  for (const i of iterations) loops.set(i.loop, [...(loops.get(i.loop) ?? []), i]);
  for (const list of loops.values()) list.sort((a, b) => a.iteration - b.iteration);
  return loops;
}

function metricNames(iterations: readonly pb.LoopIteration[]): string[] {
  return [...new Set(iterations.flatMap((i) => Object.keys(i.metrics)))].sort();
}

const value = (i: pb.LoopIteration | undefined, metric: string): string => {
  const v = i && Object.hasOwn(i.metrics, metric) ? i.metrics[metric] : undefined;
  return v === undefined ? '-' : formatMetric(v);
};

export interface MetricsOptions {
  /** Only this loop (its key, e.g. "learn"). */
  loop?: string;
  /** Only this metric. */
  metric?: string;
  /** Rows of each chart. */
  chartHeight?: number;
}

/**
 * `cairn workflow metrics`: per loop, a table of its iterations' metrics, then a chart of
 * each metric over the iterations with its min, max and last value.
 */
export function renderMetrics(run: pb.Workflow, options: MetricsOptions = {}): string {
  const loops = byLoop(run.iterations);
  if (options.loop !== undefined && !loops.has(options.loop)) {
    const known = [...loops.keys()];
    throw new UsageError(
      `run ${run.runId} has no iterations of loop "${options.loop}"${known.length > 0 ? ` (its loops: ${known.join(', ')})` : ''}`,
    );
  }
  const chosen = [...loops].filter(([loop]) => options.loop === undefined || loop === options.loop);
  if (options.metric !== undefined && !chosen.some(([, iterations]) => metricNames(iterations).includes(options.metric ?? ''))) {
    const known = [...new Set(chosen.flatMap(([, iterations]) => metricNames(iterations)))].sort();
    throw new UsageError(`no metric "${options.metric}" in run ${run.runId}${known.length > 0 ? ` (its metrics: ${known.join(', ')})` : ''}`);
  }
  if (chosen.length === 0) return `run ${run.runId} (${run.name}) has no loop iterations yet\n`;

  const parts: string[] = [];
  for (const [loop, iterations] of chosen) {
    const names = metricNames(iterations).filter((m) => options.metric === undefined || m === options.metric);
    const stop = iterations.find((i) => i.stop)?.stop;
    parts.push(
      `${pc.bold(loop)}: ${iterations.length} iteration${iterations.length === 1 ? '' : 's'}${stop ? `, stopped by ${stop}` : ''}`,
      table(
        ['ITER', 'STATE', ...names, 'STOP'],
        iterations.map((i) => [String(i.iteration), coloredStepState(i.state), ...names.map((m) => value(i, m)), i.stop]),
      ),
      '',
    );
    for (const name of names) {
      const points = iterations.flatMap((i) => (Object.hasOwn(i.metrics, name) ? [{ x: i.iteration, y: i.metrics[name] ?? 0 }] : []));
      parts.push(`${pc.bold(name)}  ${pc.dim(pointStats(points))}`, ...metricChart(points, options.chartHeight).map((l) => `  ${l}`), '');
    }
  }
  return `${parts.join('\n').trimEnd()}\n`;
}

/** "min 0.61 (iteration 1) · max 0.95 (iteration 6) · last 0.95". */
function pointStats(points: readonly ChartPoint[]): string {
  const [first, ...rest] = points;
  if (!first) return '';
  let min = first;
  let max = first;
  for (const p of rest) {
    if (p.y < min.y) min = p;
    if (p.y > max.y) max = p;
  }
  const last = rest[rest.length - 1] ?? first;
  return `min ${formatMetric(min.y)} (iteration ${min.x}) · max ${formatMetric(max.y)} (iteration ${max.x}) · last ${formatMetric(last.y)}`;
}

/**
 * `cairn workflow compare`: one column per run (state, iterations, stop, each metric at
 * the last iteration), then per metric a table of each run's value per iteration.
 */
export function renderComparison(runs: readonly pb.Workflow[], now: number): string {
  const headers = ['', ...columnNames(runs.map((r) => r.runId))];
  const perRun = runs.map((r) => byLoop(r.iterations));
  const loopNames = [...new Set(perRun.flatMap((loops) => [...loops.keys()]))];
  const label = (loop: string, metric: string) => (loopNames.length > 1 ? `${loop}/${metric}` : metric);
  const series = loopNames.flatMap((loop) =>
    metricNames(perRun.flatMap((loops) => loops.get(loop) ?? [])).map((metric) => ({ loop, metric, name: label(loop, metric) })),
  );
  const describe = (loops: Map<string, pb.LoopIteration[]>, what: (list: pb.LoopIteration[]) => string) =>
    loopNames.length > 1
      ? loopNames.map((loop) => `${loop} ${what(loops.get(loop) ?? [])}`).join(', ')
      : what(loops.get(loopNames[0] ?? '') ?? []);

  const summary = table(headers, [
    ['name', ...runs.map((r) => r.name)],
    ['state', ...runs.map((r) => coloredWorkflowState(r.state))],
    ['created', ...runs.map((r) => shortTime(r.createTime))],
    ['duration', ...runs.map((r) => elapsed(r.createTime, r.endTime, now) || '-')],
    ['iterations', ...perRun.map((loops) => describe(loops, (list) => String(list.length)))],
    ['stop', ...perRun.map((loops) => describe(loops, (list) => list.find((i) => i.stop)?.stop || '-'))],
    ...series.map(({ loop, metric, name }) => [pc.bold(name), ...perRun.map((loops) => value(loops.get(loop)?.at(-1), metric))]),
  ]);

  const parts = [summary];
  for (const { loop, metric, name } of series) {
    const counts = perRun.map((loops) => loops.get(loop)?.at(-1)?.iteration ?? 0);
    const rows = Array.from({ length: Math.max(0, ...counts) }, (_, n) => [
      String(n + 1),
      ...perRun.map((loops) => value(loops.get(loop)?.find((i) => i.iteration === n + 1), metric)),
    ]);
    parts.push(`${pc.bold(name)} per iteration\n${table(['ITER', ...headers.slice(1)], rows)}`);
  }
  if (series.length === 0) parts.push(pc.dim('no metrics recorded in these runs'));
  return `${parts.join('\n\n')}\n`;
}

/** Run ids shortened to 8 characters, longer where two would look the same. */
function columnNames(ids: readonly string[]): string[] {
  for (let length = 8; length < 36; length += 4) {
    const short = ids.map((id) => id.slice(0, length));
    if (new Set(short).size === new Set(ids).size) return short;
  }
  return [...ids];
}
