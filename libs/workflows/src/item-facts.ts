import { type ItemFacts, jsonBytes, MAX_ITEMS_PER_EVENT, type RunFacts, type StepItems, storableRunFacts } from '@cairn/contracts';
import type { ItemResult } from './engine-ports';
import type { JobLinkRow } from './workflow.store';

/**
 * Most bytes of JSON the items of one `items` event take: with the largest run facts an
 * item may carry (MAX_HASHED_FILES outputs and unhashed paths of 1 KiB) one item takes
 * about 150 KiB, so every item fits, and the event stays well under NATS's 1 MiB.
 */
export const MAX_ITEMS_EVENT_BYTES = 640 * 1024;

/**
 * The results of an ended array job's items, for provenance: each item's index in its
 * step, exit code (null: the item left no record and its job did not complete), the job
 * and its Slurm job, and what the agent's item record says the wrapper measured.
 */
export function itemFactsOf(job: JobLinkRow, reported: ReadonlyMap<number, ItemResult>): ItemFacts[] {
  if (!job.job_id) return [];
  const jobId = job.job_id;
  return (job.item_indices ?? []).map((index) => {
    const record = reported.get(index);
    const exitCode = record ? record.exitCode : job.state === 'COMPLETED' ? 0 : null;
    return { index, exitCode, jobId, slurmJobId: job.slurm_job_id.slice(0, 32), ...(record?.run ? measured(record.run) : {}) };
  });
}

/** The wrapper's measures of an item (its inputs are the job's, on the job's final event), fit to store. */
function measured(run: RunFacts): RunFacts {
  const { host, startTime, endTime, outputs, unhashed } = storableRunFacts(run);
  return {
    ...(host !== undefined ? { host } : {}),
    ...(startTime !== undefined ? { startTime } : {}),
    ...(endTime !== undefined ? { endTime } : {}),
    ...(outputs ? { outputs } : {}),
    ...(unhashed ? { unhashed } : {}),
  };
}

/**
 * The `items` events of a step's items, in index order: at most MAX_ITEMS_PER_EVENT items
 * and MAX_ITEMS_EVENT_BYTES of JSON each (a larger step sends several).
 */
export function itemsEvents(stepKey: string, items: readonly ItemFacts[]): StepItems[] {
  const sorted = [...items].sort((a, b) => a.index - b.index);
  const events: StepItems[] = [];
  let chunk: ItemFacts[] = [];
  let bytes = 0;
  for (const item of sorted) {
    const size = jsonBytes(item) + 1;
    if (chunk.length > 0 && (chunk.length >= MAX_ITEMS_PER_EVENT || bytes + size > MAX_ITEMS_EVENT_BYTES)) {
      events.push({ stepKey, items: chunk });
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) events.push({ stepKey, items: chunk });
  return events;
}
