import pc from 'picocolors';
import { isRunFinal, isStepFinal, pb, STEP_STATES, WORKFLOW_STATES } from '@cairn/contracts';
import { kindName } from './plan-view';
import { formatDuration, formatMetric, shown, table } from './render';

/** How workflow runs look in a terminal: states, the run with its steps and iterations, listings. */

export function workflowStateName(state: pb.WorkflowState): string {
  return pb.WorkflowState[state]?.replace('WORKFLOW_STATE_', '') ?? String(state);
}

export function stepStateName(state: pb.StepState): string {
  return pb.StepState[state]?.replace('STEP_STATE_', '') ?? String(state);
}

const COLOR: Record<string, (s: string) => string> = {
  WAITING: pc.cyan,
  RUNNING: pc.blue,
  SUCCEEDED: pc.green,
  FAILED: pc.red,
  CANCELLED: pc.magenta,
  SKIPPED: pc.dim,
};

const paint = (name: string) => (COLOR[name] ?? ((s: string) => s))(name);

export const coloredWorkflowState = (state: pb.WorkflowState): string => paint(workflowStateName(state));
export const coloredStepState = (state: pb.StepState): string => paint(stepStateName(state));

/** The states a run ends in. */
export const FINAL_RUN_STATES: ReadonlySet<pb.WorkflowState> = new Set(
  WORKFLOW_STATES.filter(isRunFinal).map((state) => pb.WorkflowState[`WORKFLOW_STATE_${state}`]),
);

/** The states a step instance or iteration ends in. */
export const FINAL_STEP_STATES: ReadonlySet<pb.StepState> = new Set(STEP_STATES.filter(isStepFinal).map((state) => pb.StepState[`STEP_STATE_${state}`]));

/** ✔, ✖ or ■ for a finished run, ● while it runs. */
export function runIcon(state: pb.WorkflowState): string {
  switch (state) {
    case pb.WorkflowState.WORKFLOW_STATE_SUCCEEDED:
      return pc.green('✔');
    case pb.WorkflowState.WORKFLOW_STATE_FAILED:
      return pc.red('✖');
    case pb.WorkflowState.WORKFLOW_STATE_CANCELLED:
      return pc.magenta('■');
    case pb.WorkflowState.WORKFLOW_STATE_RUNNING:
    case pb.WorkflowState.WORKFLOW_STATE_UNSPECIFIED:
    case pb.WorkflowState.UNRECOGNIZED:
      return pc.blue('●');
  }
}

/** "acc=0.9123 loss=0.2", names sorted. */
export function formatMetrics(metrics: Readonly<Record<string, number>>): string {
  return Object.keys(metrics)
    .sort()
    .map((name) => `${name}=${formatMetric(metrics[name] ?? Number.NaN)}`)
    .join(' ');
}

/** "2026-11-25 10:11:09" (UTC), or "-". */
export function shortTime(time: Date | undefined): string {
  return time ? time.toISOString().replace('T', ' ').slice(0, 19) : '-';
}

/** From start to end (or to now while it runs); "" before it started. */
export function elapsed(start: Date | undefined, end: Date | undefined, now: number): string {
  return start ? formatDuration((end?.getTime() ?? now) - start.getTime()) : '';
}

/** "998/1000, 2 failed, 0.21 s/item" for an array step; "" otherwise. */
export function itemSummary(step: pb.WorkflowStep): string {
  if (step.kind !== pb.StepKind.STEP_KIND_ARRAY || !step.items) return '';
  const { succeeded, failed, total } = step.items;
  const pace = step.itemSeconds > 0 ? `, ${step.itemSeconds < 10 ? step.itemSeconds.toFixed(2) : Math.round(step.itemSeconds)} s/item` : '';
  return `${succeeded}/${total || '?'}${failed ? `, ${pc.red(`${failed} failed`)}` : ''}${pace}`;
}

/** "1" or "2 +1 requeue"; "-" before it started. */
export function attemptSummary(step: pb.WorkflowStep): string {
  if (!step.attempt) return '-';
  return `${step.attempt}${step.requeues ? ` +${step.requeues} requeue${step.requeues === 1 ? '' : 's'}` : ''}`;
}

function slurmIds(ids: readonly string[]): string {
  if (ids.length === 0) return '-';
  return ids.length <= 3 ? ids.join(',') : `${ids.slice(0, 3).join(',')} +${ids.length - 3}`;
}

/** `cairn workflow get`: the run, a table of its step instances, then its loop iterations. */
export function describeWorkflow(run: pb.Workflow, now: number): string {
  const header: [string, string][] = [
    ['run', run.runId],
    ['name', run.name],
    ['state', coloredWorkflowState(run.state) + (run.reason ? pc.dim(` (${shown(run.reason)})`) : '')],
    ['site', run.site],
    ['file', run.fileName || '-'],
    ['created', run.createTime?.toISOString() ?? '-'],
    ['updated', run.updateTime?.toISOString() ?? '-'],
    ['ended', run.endTime?.toISOString() ?? '-'],
    ['duration', elapsed(run.createTime, run.endTime, now) || '-'],
  ];
  const parts = [header.map(([k, v]) => `${pc.dim(k.padEnd(9))} ${v}`).join('\n')];
  if (run.steps.length > 0) {
    parts.push(
      table(
        ['STEP', 'KIND', 'STATE', 'ATTEMPT', 'ITEMS', 'SLURM', 'TIME', 'REASON'],
        run.steps.map((s) => [
          s.key,
          kindName(s.kind),
          coloredStepState(s.state),
          attemptSummary(s),
          itemSummary(s),
          slurmIds(s.slurmJobIds),
          elapsed(s.startTime, s.endTime, now),
          pc.dim(shown(s.reason)),
        ]),
      ),
    );
    const failedItems = run.steps.filter((s) => s.failedItems.length > 0).map((s) => `failed items of ${s.key}: ${s.failedItems.join(', ')}`);
    if (failedItems.length > 0) parts.push(pc.red(failedItems.join('\n')));
  }
  if (run.iterations.length > 0) {
    parts.push(
      table(
        ['LOOP', 'ITER', 'STATE', 'METRICS', 'STOP', 'TIME'],
        run.iterations.map((i) => [
          i.loop,
          String(i.iteration),
          coloredStepState(i.state),
          formatMetrics(i.metrics),
          i.stop || '',
          elapsed(i.startTime, i.endTime, now),
        ]),
      ),
    );
  }
  const omitted = [
    run.omittedSteps > 0 ? `${run.omittedSteps} older step instances` : '',
    run.omittedIterations > 0 ? `${run.omittedIterations} older iterations` : '',
  ].filter(Boolean);
  if (omitted.length > 0) parts.push(pc.dim(`(${omitted.join(' and ')} not shown: the run is too large for one reply)`));
  return `${parts.join('\n\n')}\n`;
}

/** `cairn workflow list`: one row per run. */
export function listWorkflows(runs: readonly pb.Workflow[], now: number): string {
  return table(
    ['RUN', 'NAME', 'STATE', 'SITE', 'CREATED', 'DURATION', 'REASON'],
    runs.map((r) => [
      r.runId,
      r.name,
      coloredWorkflowState(r.state),
      r.site,
      shortTime(r.createTime),
      elapsed(r.createTime, r.endTime, now),
      pc.dim(shown(r.reason)),
    ]),
  );
}

/** "al on hpc1: 5 steps, 3 Slurm jobs per pass". */
export function planSummary(plan: pb.WorkflowPlan): string {
  const count = (steps: readonly pb.StepPlan[]): number => steps.reduce((n, s) => n + 1 + count(s.loop?.steps ?? []), 0);
  const steps = count(plan.steps);
  return `${plan.name} on ${plan.site}: ${steps} step${steps === 1 ? '' : 's'}, ${plan.slurmJobs} Slurm job${plan.slurmJobs === 1 ? '' : 's'} per pass`;
}
