import pc from 'picocolors';
import { pb } from '@cairn/contracts';
import { kindName } from './plan-view';
import { progressBar } from './progress-bar';
import { shown, table } from './render';
import {
  attemptSummary,
  coloredStepState,
  coloredWorkflowState,
  elapsed,
  FINAL_RUN_STATES,
  FINAL_STEP_STATES,
  formatMetrics,
  itemSummary,
  runIcon,
} from './workflow-view';

/**
 * What `cairn workflow watch` knows about a run: seeded from GetWorkflow (or the
 * submission), then changed by each WatchWorkflow event.
 */
export interface RunModel {
  runId: string;
  name: string;
  state: pb.WorkflowState;
  reason: string;
  createTime: Date | undefined;
  endTime: Date | undefined;
  /** Step instances by key, in the order they first appeared. */
  steps: Map<string, pb.WorkflowStep>;
  /** Loop iterations by "loop[iteration]". */
  iterations: Map<string, pb.LoopIteration>;
  /** Each loop's maxIterations from the plan, by the loop step's path. */
  maxIterations: Map<string, number>;
}

export function runModel(run: pb.Workflow, plan: pb.WorkflowPlan | undefined = run.plan): RunModel {
  const maxIterations = new Map<string, number>();
  const visit = (steps: readonly pb.StepPlan[]) => {
    for (const step of steps) {
      if (step.loop) {
        maxIterations.set(step.path, step.loop.maxIterations);
        visit(step.loop.steps);
      }
    }
  };
  visit(plan?.steps ?? []);
  return {
    runId: run.runId,
    name: run.name,
    state: run.state,
    reason: shown(run.reason),
    createTime: run.createTime,
    endTime: run.endTime,
    steps: new Map(run.steps.map((s) => [s.key, s])),
    iterations: new Map(run.iterations.map((i) => [iterationKey(i), i])),
    maxIterations,
  };
}

const iterationKey = (i: pb.LoopIteration) => `${i.loop}[${i.iteration}]`;

/**
 * Applies one WatchWorkflow event to the model and returns what is worth a line in a log
 * (new instances, state and attempt changes, array progress in steps of 10 %, iteration
 * metrics and stops, the run's state); repeats of what is known give none.
 */
export function applyWatchEvent(model: RunModel, event: pb.WatchWorkflowResponse): string[] {
  if (event.state !== pb.WorkflowState.WORKFLOW_STATE_UNSPECIFIED) model.state = event.state;
  if (FINAL_RUN_STATES.has(model.state)) model.endTime ??= event.time;
  switch (event.kind) {
    case 'step': {
      if (!event.step) return [];
      const before = model.steps.get(event.step.key);
      model.steps.set(event.step.key, event.step);
      return stepChanged(before, event.step) ? [stepLine(event.step)] : [];
    }
    case 'iteration': {
      if (!event.iteration) return [];
      const key = iterationKey(event.iteration);
      const before = model.iterations.get(key);
      model.iterations.set(key, event.iteration);
      return iterationChanged(before, event.iteration) ? [iterationLine(event.iteration)] : [];
    }
    case 'run':
      model.reason = shown(event.reason);
      return [`run ${coloredWorkflowState(model.state)}${model.reason ? pc.dim(`  ${model.reason}`) : ''}`];
    default:
      return []; // a kind this CLI does not know yet
  }
}

/** A loop's attempt counts its iterations, which its progress already shows. */
const isLoop = (step: pb.WorkflowStep) => step.kind === pb.StepKind.STEP_KIND_LOOP;

function decile(step: pb.WorkflowStep): number {
  const items = step.items;
  return items && items.total > 0 ? Math.floor((items.succeeded * 10) / items.total) : 0;
}

function stepChanged(before: pb.WorkflowStep | undefined, now: pb.WorkflowStep): boolean {
  return (
    !before ||
    before.state !== now.state ||
    (before.attempt !== now.attempt && !isLoop(now)) ||
    before.requeues !== now.requeues ||
    (before.items?.failed ?? 0) !== (now.items?.failed ?? 0) ||
    (before.items?.total ?? 0) !== (now.items?.total ?? 0) ||
    decile(before) !== decile(now)
  );
}

function iterationChanged(before: pb.LoopIteration | undefined, now: pb.LoopIteration): boolean {
  return (
    !before ||
    before.state !== now.state ||
    before.stop !== now.stop ||
    before.decision !== now.decision ||
    formatMetrics(before.metrics) !== formatMetrics(now.metrics)
  );
}

function stepLine(step: pb.WorkflowStep): string {
  const details = [
    (step.attempt > 1 && !isLoop(step)) || step.requeues > 0 ? `attempt ${attemptSummary(step)}` : '',
    itemSummary(step) ? `items ${itemSummary(step)}` : '',
    step.slurmJobIds.length > 0 ? `slurm ${step.slurmJobIds.join(',')}` : '',
    shown(step.reason),
  ].filter(Boolean);
  return `step ${step.key} ${coloredStepState(step.state)}${details.length > 0 ? pc.dim(`  ${details.join(' · ')}`) : ''}`;
}

function iterationLine(iteration: pb.LoopIteration): string {
  const details = [formatMetrics(iteration.metrics), iteration.stop ? `stop: ${iteration.stop}` : ''].filter(Boolean);
  return `iteration ${iterationKey(iteration)} ${coloredStepState(iteration.state)}${details.length > 0 ? `  ${details.join(' · ')}` : ''}`;
}

/** The loop an instance belongs to ("learn" for "learn[2].train"), or undefined outside loops. */
function loopOf(key: string): string | undefined {
  const bracket = key.lastIndexOf('[');
  return bracket > 0 ? key.slice(0, bracket) : undefined;
}

export interface FrameOptions {
  /** Drawn before the run's name while it runs (a spinner frame); the state icon otherwise. */
  spinner?: string;
  /** At most this many lines (the terminal's height): finished steps go first, then the tail. */
  maxLines?: number;
  /** Cells of each progress bar. */
  barWidth?: number;
}

/**
 * The live view as lines: the run, then one line per step instance with a progress bar
 * (array: items; loop: iterations of maxIterations; run step: its end), then the latest
 * metrics of each loop. Instances of earlier loop iterations that succeeded are folded
 * into their loop's line.
 */
export function renderFrame(model: RunModel, now: number, options: FrameOptions = {}): string[] {
  const barWidth = options.barWidth ?? 20;
  const running = model.state === pb.WorkflowState.WORKFLOW_STATE_RUNNING;
  const icon = running && options.spinner ? pc.cyan(options.spinner) : runIcon(model.state);
  const took = elapsed(model.createTime, model.endTime, now);
  const head = `${icon} ${pc.bold(model.name)} ${pc.dim(model.runId)}  ${coloredWorkflowState(model.state)}  ${took}${model.reason ? pc.dim(`  ${model.reason}`) : ''}`;

  const latest = new Map<string, number>();
  const note = (loop: string, iteration: number) => latest.set(loop, Math.max(latest.get(loop) ?? 0, iteration));
  for (const i of model.iterations.values()) note(i.loop, i.iteration);
  for (const s of model.steps.values()) {
    const loop = loopOf(s.key);
    if (loop) note(loop, s.iteration);
  }
  const steps = [...model.steps.values()];
  const shown = steps.filter((s) => {
    const loop = loopOf(s.key);
    return !loop || s.iteration >= (latest.get(loop) ?? 0) || s.state !== pb.StepState.STEP_STATE_SUCCEEDED;
  });
  let folded = steps.length - shown.length;

  const metrics = [...latest.keys()]
    .map((loop) =>
      [...model.iterations.values()]
        .filter((i) => i.loop === loop && Object.keys(i.metrics).length > 0)
        .sort((a, b) => b.iteration - a.iteration)[0],
    )
    .filter((i): i is pb.LoopIteration => i !== undefined)
    .map((i) => `${pc.dim('metrics')} ${iterationKey(i)}: ${formatMetrics(i.metrics)}${i.stop ? pc.dim(` (stop: ${i.stop})`) : ''}`);

  const fixed = 2 + metrics.length + 1; // head, table header, metrics, the "more" line
  const room = options.maxLines === undefined ? Number.POSITIVE_INFINITY : Math.max(1, options.maxLines - fixed);
  let rows = shown;
  if (rows.length > room) {
    const finished = rows.filter((s) => s.state === pb.StepState.STEP_STATE_SUCCEEDED);
    const drop = new Set(finished.slice(0, rows.length - room));
    rows = rows.filter((s) => !drop.has(s)).slice(0, room);
    folded += shown.length - rows.length;
  }

  const lines = [
    head,
    ...table(
      ['STEP', 'KIND', 'STATE', 'PROGRESS', 'DONE', 'TIME'],
      rows.map((s) => {
        const [bar, done] = progress(s, model, barWidth);
        return [
          s.key,
          kindName(s.kind),
          coloredStepState(s.state) + (s.attempt > 1 && !isLoop(s) ? pc.dim(` #${s.attempt}`) : ''),
          bar,
          done,
          elapsed(s.startTime, s.endTime, now),
        ];
      }),
    ).split('\n'),
  ];
  if (folded > 0) lines.push(pc.dim(`… ${folded} more step instance${folded === 1 ? '' : 's'} (finished; cairn workflow get ${model.runId})`));
  lines.push(...metrics);
  return lines;
}

function progress(step: pb.WorkflowStep, model: RunModel, width: number): [string, string] {
  switch (step.kind) {
    case pb.StepKind.STEP_KIND_ARRAY: {
      const items = step.items ?? { total: 0, succeeded: 0, failed: 0 };
      return [progressBar(items.succeeded, items.total, width, items.failed), itemSummary(step)];
    }
    case pb.StepKind.STEP_KIND_LOOP: {
      const iterations = [...model.iterations.values()].filter((i) => i.loop === step.key);
      const done = iterations.filter((i) => FINAL_STEP_STATES.has(i.state)).length;
      const max = model.maxIterations.get(step.path) ?? 0;
      const stop = iterations.find((i) => i.stop)?.stop;
      return [progressBar(done, max, width), `${done}/${max || '?'} iterations${stop ? `, stop: ${stop}` : ''}`];
    }
    case pb.StepKind.STEP_KIND_RUN:
    case pb.StepKind.STEP_KIND_UNSPECIFIED:
    case pb.StepKind.UNRECOGNIZED: {
      const ended = step.state === pb.StepState.STEP_STATE_SUCCEEDED ? 1 : 0;
      const failed = step.state === pb.StepState.STEP_STATE_FAILED ? 1 : 0;
      return [progressBar(ended, 1, width, failed), ''];
    }
  }
}

/** The last line: how the run ended, or that the watch stopped first. */
export function summaryLine(model: RunModel, now: number): string {
  const name = `run ${model.runId}`;
  if (model.state === pb.WorkflowState.WORKFLOW_STATE_RUNNING || model.state === pb.WorkflowState.WORKFLOW_STATE_UNSPECIFIED) {
    return `${name} is ${coloredWorkflowState(model.state)}`;
  }
  const failedSteps = [...model.steps.values()].filter((s) => s.state === pb.StepState.STEP_STATE_FAILED).map((s) => s.key);
  const why = model.reason || (failedSteps.length > 0 ? `failed: ${failedSteps.join(', ')}` : '');
  const took = elapsed(model.createTime, model.endTime, now) || '0s';
  return `${runIcon(model.state)} ${name} ${coloredWorkflowState(model.state)} after ${took}${why ? ` ${pc.dim(`(${why})`)}` : ''}`;
}
