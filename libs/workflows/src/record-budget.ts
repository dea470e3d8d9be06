import { jsonBytes, MAX_ROWS_REPLY_BYTES, type WorkflowRecord } from '@cairn/contracts';

/** Room for the counts of what was left out. */
const SLACK = 128;

/**
 * A run's record as one reply can carry it: when its step instances and iterations (a
 * long loop has thousands) would not fit `maxBytes` of JSON, the oldest of them are left
 * out, from whichever list is larger at the time, and counted in `omittedSteps` and
 * `omittedIterations`: the newest of both stay.
 */
export function boundWorkflowRecord(record: WorkflowRecord, maxBytes: number = MAX_ROWS_REPLY_BYTES): WorkflowRecord {
  let total = jsonBytes(record);
  if (total <= maxBytes) return record;
  const limit = maxBytes - SLACK;
  const stepSizes = record.steps.map((s) => jsonBytes(s) + 1);
  const iterationSizes = record.iterations.map((i) => jsonBytes(i) + 1);
  let stepBytes = stepSizes.reduce((a, b) => a + b, 0);
  let iterationBytes = iterationSizes.reduce((a, b) => a + b, 0);
  let omittedSteps = 0;
  let omittedIterations = 0;
  while (total > limit && (omittedSteps < stepSizes.length || omittedIterations < iterationSizes.length)) {
    const dropStep = omittedIterations >= iterationSizes.length || (omittedSteps < stepSizes.length && stepBytes >= iterationBytes);
    const size = dropStep ? (stepSizes[omittedSteps] ?? 0) : (iterationSizes[omittedIterations] ?? 0);
    if (dropStep) {
      omittedSteps += 1;
      stepBytes -= size;
    } else {
      omittedIterations += 1;
      iterationBytes -= size;
    }
    total -= size;
  }
  return { ...record, steps: record.steps.slice(omittedSteps), iterations: record.iterations.slice(omittedIterations), omittedSteps, omittedIterations };
}
