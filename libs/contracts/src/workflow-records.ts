import { z } from 'zod';
import { runSubmittedSchema, stepItemsSchema } from './provenance-facts';
import { planWorkflowCommand, requestIdSchema, workflowPlanSchema } from './messages';
import { callerFields } from './caller';
import { ownerSchema, slurmAccountName } from './identity';
import { shortText, siteName, userRecord, uuid } from './validation';

/**
 * What the scheduler records about running workflows (version 1): runs, step instances
 * (a step inside a loop has one per iteration), loop iterations with their metrics and
 * decisions, and the events WatchWorkflow streams.
 */
const isoTime = z.iso.datetime({ offset: true });

export const WORKFLOW_STATES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export const workflowStateSchema = z.enum(WORKFLOW_STATES);
export type WorkflowState = z.infer<typeof workflowStateSchema>;
/** A run has ended (any state but RUNNING). */
export const isRunFinal = (state: WorkflowState): boolean => state !== 'RUNNING';

export const STEP_STATES = ['WAITING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'SKIPPED'] as const;
export const stepStateSchema = z.enum(STEP_STATES);
export type StepState = z.infer<typeof stepStateSchema>;
export const isStepFinal = (state: StepState) => state !== 'WAITING' && state !== 'RUNNING';

/** Why a loop stopped. */
export const LOOP_STOPS = ['condition', 'max-iterations', 'max-wall-time'] as const;

export const stepRecordSchema = z.object({
  /** Unique in the run: "train", or "learn[2].train" for iteration 2 of loop "learn". */
  key: z.string(),
  /** The step's path in the file: "learn.train". */
  path: z.string(),
  /** The innermost loop iteration it belongs to (from 1), 0 outside loops. */
  iteration: z.number().int().min(0),
  kind: z.enum(['run', 'array', 'loop']),
  state: stepStateSchema,
  /** Attempts started: 1, plus one per retry (for an array: per retry of its failed items). */
  attempt: z.number().int().min(0),
  /** Requeues after a time limit or preemption that resumed from the checkpoint. */
  requeues: z.number().int().min(0),
  items: z.object({ total: z.number().int(), succeeded: z.number().int(), failed: z.number().int() }),
  /** Array steps: median seconds an item ran (measured), which packs the next attempt or iteration. */
  itemSeconds: z.number().min(0).optional(),
  /** Indices of items that failed for good, or are failing now (at most 100). */
  failedItems: z.array(z.number().int()),
  /** The exit status of each of failedItems, in order; -1 where the item never reported one. Absent in records written before it. */
  failedItemExitCodes: z.array(z.number().int()).optional(),
  /** Cairn jobs this step ran, oldest first. */
  jobIds: z.array(uuid),
  /** Keys of the step instances this one waited for (its `needs`, as instances: "learn[2].train"); provenance links them (wasInformedBy). Absent in records written before it. */
  needs: z.array(z.string().max(512)).max(256).optional(),
  slurmJobIds: z.array(z.string()),
  reason: z.string(),
  startTime: isoTime.optional(),
  endTime: isoTime.optional(),
});
export type StepRecord = z.infer<typeof stepRecordSchema>;

export const iterationRecordSchema = z.object({
  /** The loop step's key ("learn"). */
  loop: z.string(),
  iteration: z.number().int().min(1),
  state: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']),
  /** Numeric metrics from the loop's metrics JSON, nested names dotted. */
  metrics: userRecord(z.string(), z.number()),
  /** The decide step's `next` JSON, as written (empty when there is none). */
  decision: z.string(),
  /** Set on the iteration that ended the loop: condition, max-iterations or max-wall-time. */
  stop: z.union([z.enum(LOOP_STOPS), z.literal('')]),
  startTime: isoTime,
  endTime: isoTime.optional(),
});
export type IterationRecord = z.infer<typeof iterationRecordSchema>;

export const workflowRecordSchema = z.object({
  runId: uuid,
  name: z.string(),
  site: siteName,
  fileName: z.string(),
  state: workflowStateSchema,
  reason: z.string(),
  createTime: isoTime,
  updateTime: isoTime,
  endTime: isoTime.optional(),
  /** Step instances in creation order (empty in listings). */
  steps: z.array(stepRecordSchema),
  iterations: z.array(iterationRecordSchema),
  plan: workflowPlanSchema.optional(),
  /** The oldest step instances and iterations left out because the whole would not fit one reply. */
  omittedSteps: z.number().int().min(0).optional(),
  omittedIterations: z.number().int().min(0).optional(),
  /** Who submitted the run; its jobs are submitted on their behalf. */
  owner: ownerSchema,
  /** The Slurm account the run's jobs are charged to ('' for runs recorded before owners existed). */
  account: z.string(),
  /** The run this one re-ran (ProvenanceService.Rerun). */
  rerunOf: uuid.optional(),
});
export type WorkflowRecord = z.infer<typeof workflowRecordSchema>;

/** `account`: the Slurm account to charge the run's jobs to (default: the caller's first). */
export const submitWorkflowCommand = planWorkflowCommand
  .extend({
    requestId: requestIdSchema.optional(),
    account: slurmAccountName.optional(),
    /** Set by ProvenanceService.Rerun only (the gateway refuses it from anything else): the run re-run. */
    rerunOf: uuid.optional(),
  })
  .strict();
export type SubmitWorkflowCommand = z.infer<typeof submitWorkflowCommand>;
export const workflowReply = z.object({ workflow: workflowRecordSchema });
export const workflowIdQuery = z.object({ runId: uuid, ...callerFields }).strict();

export const listWorkflowsQuery = z
  .object({
    pageSize: z.number().int().min(1).max(500),
    pageToken: z.string().max(512).optional(),
    states: z.array(workflowStateSchema).max(4),
    namePrefix: shortText(64).optional(),
    ...callerFields,
  })
  .strict();
export type ListWorkflowsQuery = z.infer<typeof listWorkflowsQuery>;
export const listWorkflowsReply = z.object({ workflows: z.array(workflowRecordSchema), nextPageToken: z.string() });

/** One change in a run (stream CAIRN_WORKFLOW_EVENTS, subject per run). */
export const workflowEventSchema = z
  .object({
    runId: uuid,
    sequence: z.number().int().min(1),
    time: isoTime,
    /** `items`: results of an array step's items (with their hashed outputs), for provenance. */
    kind: z.enum(['run', 'step', 'iteration', 'items']),
    run: z.object({ state: workflowStateSchema, reason: z.string() }).strict().optional(),
    /** On the run's first event: what was submitted (file, parameters, pinned images, owner). */
    submitted: runSubmittedSchema.optional(),
    items: stepItemsSchema.optional(),
    step: stepRecordSchema.optional(),
    iteration: iterationRecordSchema.optional(),
  })
  .strict();
export type WorkflowEvent = z.infer<typeof workflowEventSchema>;
