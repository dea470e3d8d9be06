import { z } from 'zod';

export const JOB_STATES = ['ACCEPTED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT'] as const;
export const jobStateSchema = z.enum(JOB_STATES);
export type JobState = z.infer<typeof jobStateSchema>;

export const FINAL_STATES: ReadonlySet<JobState> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT']);
export const isFinal = (state: JobState): boolean => FINAL_STATES.has(state);

const RANK: Record<JobState, number> = {
  ACCEPTED: 0,
  PENDING: 1,
  RUNNING: 2,
  COMPLETED: 3,
  FAILED: 3,
  CANCELLED: 3,
  TIMEOUT: 3,
};

/**
 * The job state machine: states only move forward (a step may be skipped, e.g. a job
 * cancelled while pending), and a final state is never left.
 */
export function canTransition(from: JobState, to: JobState): boolean {
  if (isFinal(from)) return false;
  return RANK[to] > RANK[from];
}
