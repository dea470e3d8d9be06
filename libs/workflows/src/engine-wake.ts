import { decodeJson } from '@cairn/adapters/nats';
import { isFinal, type JobEvent, jobEventSchema, jobStateSchema } from '@cairn/contracts';

/** What a job event means to the workflow engine: wake it, and, for a job's final event, the event itself. */
export interface EngineHint {
  /** A final event (COMPLETED, FAILED, CANCELLED, TIMEOUT), read in full: the engine acts on it at once. */
  ended?: JobEvent;
}

/**
 * Whether a job event should wake the workflow engine early (a hint, or undefined): every
 * change but a job's ACCEPTED, which only says it was recorded (the engine submitted its own
 * jobs and has their answer; plain jobs' submissions are none of its business). A final
 * event comes with the event, so that the engine applies the job's end and advances its run
 * first instead of reading the job again. An event it cannot read wakes it (the engine also
 * looks every interval on its own).
 */
export function engineHint(data: Uint8Array): EngineHint | undefined {
  let event: unknown;
  try {
    event = decodeJson(data);
  } catch {
    return {};
  }
  const state = jobStateSchema.safeParse(typeof event === 'object' && event !== null && 'state' in event ? event.state : undefined);
  if (state.data === 'ACCEPTED') return undefined;
  // Only a final event is read in full (the others only wake the engine).
  if (!state.success || !isFinal(state.data)) return {};
  const parsed = jobEventSchema.safeParse(event);
  return parsed.success ? { ended: parsed.data } : {};
}
