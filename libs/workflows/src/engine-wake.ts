import { decodeJson } from '@cairn/adapters/nats';

/**
 * Whether a job event should wake the workflow engine early: every change but a job's
 * ACCEPTED, which only says it was recorded (the engine submitted its own jobs and has
 * their answer; plain jobs' submissions are none of its business). An event it cannot read
 * wakes it (the engine also looks every interval on its own).
 */
export function wakesEngine(data: Uint8Array): boolean {
  try {
    const event = decodeJson(data);
    return !(typeof event === 'object' && event !== null && 'state' in event && event.state === 'ACCEPTED');
  } catch {
    return true;
  }
}
