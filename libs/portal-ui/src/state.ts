import { JobState, StepState, WorkflowState } from '@cairn/portal-client';

/** How a state looks: its colour family (the state's name is always shown as text too). */
export type StateTone = 'success' | 'failure' | 'cancelled' | 'running' | 'waiting' | 'unknown';

/** The state's name without its enum prefix, e.g. JobState.RUNNING → "RUNNING". */
export function jobStateName(state: JobState): string {
  return JobState[state] ?? 'UNSPECIFIED';
}

export function workflowStateName(state: WorkflowState): string {
  return WorkflowState[state] ?? 'UNSPECIFIED';
}

export function stepStateName(state: StepState): string {
  return StepState[state] ?? 'UNSPECIFIED';
}

/** Whether a job has reached a final state (nothing will change it any more). */
export function isFinalJobState(state: JobState): boolean {
  return state === JobState.COMPLETED || state === JobState.FAILED || state === JobState.CANCELLED || state === JobState.TIMEOUT;
}

/** Whether a workflow run has ended. */
export function isFinalWorkflowState(state: WorkflowState): boolean {
  return state === WorkflowState.SUCCEEDED || state === WorkflowState.FAILED || state === WorkflowState.CANCELLED;
}

const TONES: Readonly<Record<string, StateTone>> = {
  SUCCEEDED: 'success',
  COMPLETED: 'success',
  FAILED: 'failure',
  TIMEOUT: 'failure',
  CANCELLED: 'cancelled',
  SKIPPED: 'cancelled',
  RUNNING: 'running',
  PENDING: 'waiting',
  QUEUED: 'waiting',
  WAITING: 'waiting',
  ACCEPTED: 'waiting',
};

/** The colour family of a state name (any name: unknown ones are grey). */
export function stateTone(name: string): StateTone {
  return Object.hasOwn(TONES, name) ? (TONES[name] ?? 'unknown') : 'unknown';
}
