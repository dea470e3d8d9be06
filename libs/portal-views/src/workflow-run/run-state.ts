import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { WorkflowState, type LoopIteration, type WatchWorkflowResponse, type Workflow, type WorkflowStep } from '@cairn/portal-client';

/**
 * A run as the page shows it: GetWorkflow's snapshot with WatchWorkflow's changes applied.
 * WatchWorkflow replays every change from the first (on each reconnect too), so events
 * are applied once: by sequence, and those older than the snapshot are skipped (the
 * server stamps each change's time on the run's update_time, so a change older than the
 * snapshot's update_time is already in it; one at the same time is applied again, which
 * is harmless: each event carries the step or iteration as it is after it).
 */
export interface RunView {
  readonly workflow: Workflow;
  /** The highest sequence seen on the stream (0 before any). */
  readonly lastSequence: bigint;
  /** The snapshot's update_time: events before it are already in it. */
  readonly snapshotTime: Timestamp | undefined;
}

/** The view of a freshly read run; `previous` keeps the sequences already seen. */
export function fromSnapshot(workflow: Workflow, previous?: RunView): RunView {
  return { workflow, lastSequence: previous?.lastSequence ?? 0n, snapshotTime: workflow.updateTime };
}

/** A protobuf Timestamp's fields. */
export interface TimeLike {
  readonly seconds: bigint;
  readonly nanos: number;
}

/** -1, 0 or 1 as a is before, at or after b (unset is before everything). */
export function compareTime(a: TimeLike | undefined, b: TimeLike | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  if (a.seconds !== b.seconds) return a.seconds < b.seconds ? -1 : 1;
  return a.nanos === b.nanos ? 0 : a.nanos < b.nanos ? -1 : 1;
}

export function isFinalRunState(state: WorkflowState): boolean {
  return state === WorkflowState.SUCCEEDED || state === WorkflowState.FAILED || state === WorkflowState.CANCELLED;
}

function upsertStep(steps: readonly WorkflowStep[], step: WorkflowStep): WorkflowStep[] {
  const at = steps.findIndex((s) => s.key === step.key);
  if (at < 0) return [...steps, step];
  const next = [...steps];
  next[at] = step;
  return next;
}

function upsertIteration(iterations: readonly LoopIteration[], iteration: LoopIteration): LoopIteration[] {
  const at = iterations.findIndex((i) => i.loop === iteration.loop && i.iteration === iteration.iteration);
  if (at < 0) return [...iterations, iteration];
  const next = [...iterations];
  next[at] = iteration;
  return next;
}

/**
 * Applies one WatchWorkflow event: a step ("step": the instance as it is now, added when
 * new), an iteration ("iteration", likewise) or the run ("run": its reason, and its end
 * time when it ended); every event carries the run's state after it. A replayed event
 * (sequence already seen) or one older than the snapshot changes nothing but the
 * sequence seen; sequence 0 (a finished run's snapshot, its changes expired) always
 * applies. Returns the same object when nothing changed.
 */
export function applyEvent(view: RunView, event: WatchWorkflowResponse): RunView {
  const seq = event.sequence;
  if (seq > 0n && seq <= view.lastSequence) return view;
  const lastSequence = seq > view.lastSequence ? seq : view.lastSequence;
  if (seq > 0n && event.time !== undefined && compareTime(event.time, view.snapshotTime) < 0) return { ...view, lastSequence };
  let workflow: Workflow = view.workflow;
  if (event.kind === 'step' && event.step !== undefined && event.step.key !== '') {
    workflow = { ...workflow, steps: upsertStep(workflow.steps, event.step) };
  } else if (event.kind === 'iteration' && event.iteration !== undefined && event.iteration.loop !== '') {
    workflow = { ...workflow, iterations: upsertIteration(workflow.iterations, event.iteration) };
  } else if (event.kind === 'run') {
    workflow = { ...workflow, reason: event.reason };
  }
  if (event.state !== WorkflowState.UNSPECIFIED && event.state !== workflow.state) workflow = { ...workflow, state: event.state };
  if (isFinalRunState(workflow.state) && workflow.endTime === undefined && event.time !== undefined) workflow = { ...workflow, endTime: event.time };
  if (event.time !== undefined && compareTime(event.time, workflow.updateTime) > 0) workflow = { ...workflow, updateTime: event.time };
  return { ...view, workflow, lastSequence };
}

/** Applies events in order (a burst from the stream, rendered once). */
export function applyEvents(view: RunView, events: readonly WatchWorkflowResponse[]): RunView {
  return events.reduce(applyEvent, view);
}
