import { z } from 'zod';
import { jobFactsSchema, runFactsSchema } from './provenance-facts';
import { JOB_LIMITS, jobSpecSchema, jobTextBytes } from './job-spec';
import { jobStateSchema } from './job-state';
import { MAX_ACCOUNTS, ownerSchema, posixUserName, slurmAccountName } from './identity';
import { callerFields } from './caller';
import { imageReference, safeText, shortText, siteName, token, userRecord, uuid } from './validation';

/**
 * Payloads of Cairn's NATS messages (version 1). Every receiver parses with these
 * schemas, so a malformed message is answered with INVALID_ARGUMENT and changes nothing.
 */
const isoTime = z.iso.datetime({ offset: true });
const exitCode = z.number().int().min(-255).max(255).nullable();
const slurmJobId = z.string().regex(/^[0-9]+(_[0-9]+)?$/);

export const requestIdSchema = token(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "-" and "_"', 128);

// --- scheduler (from the gateway) -------------------------------------------------------

export const jobRecordSchema = z.object({
  jobId: uuid,
  spec: jobSpecSchema,
  imageDigest: z.string(),
  state: jobStateSchema,
  exitCode,
  slurmJobId: z.string(),
  reason: z.string(),
  attemptId: z.string(),
  createTime: isoTime,
  updateTime: isoTime,
  /** Who submitted it (for a workflow's job: the run's owner). */
  owner: ownerSchema,
  /** The Slurm account it is charged to ('' for jobs recorded before owners existed). */
  account: z.string(),
});
export type JobRecord = z.infer<typeof jobRecordSchema>;

export const submitJobCommand = z.object({ spec: jobSpecSchema, requestId: requestIdSchema.optional(), ...callerFields }).strict();
export const jobReply = z.object({ job: jobRecordSchema });
/** Most SubmitJobs one scheduler.jobs.submit-many request carries. */
export const MAX_SUBMIT_BATCH = 64;
/**
 * Bytes by which an accepted item's answer on scheduler.jobs.submit-many (its reply envelope
 * with the job record) may be larger than the item's JSON: the record repeats the spec and
 * the caller's name fields and adds ids, times, the account and the pinned image (at most
 * 255 characters). A client that keeps a request's items plus this much for each within
 * half of max_payload gets an answer that fits (without request ids: a repeated request id
 * is answered with its first job, whose spec may be larger, so those items go alone).
 */
export const SUBMIT_REPLY_ALLOWANCE = 4096;
/**
 * Several SubmitJobs at once: each item is a submitJobCommand, checked alone, so a malformed
 * or refused item fails alone; the answer has one reply envelope per item, in order.
 */
export const submitJobsCommand = z.object({ items: z.array(z.unknown()).min(1).max(MAX_SUBMIT_BATCH) }).strict();
export const submitJobsReply = z.object({ results: z.array(z.unknown()).max(MAX_SUBMIT_BATCH) });
export const jobIdQuery = z.object({ jobId: uuid, ...callerFields }).strict();

export const listJobsQuery = z
  .object({
    pageSize: z.number().int().min(1).max(500),
    pageToken: z.string().max(512).optional(),
    states: z.array(jobStateSchema).max(7),
    site: siteName.optional(),
    namePrefix: shortText(64).optional(),
    ...callerFields,
  })
  .strict();
export type ListJobsQuery = z.infer<typeof listJobsQuery>;
/** Several jobs at once (the workflow engine following its jobs). */
export const jobsByIdQuery = z.object({ jobIds: z.array(uuid).max(1000) }).strict();
/** `remaining`: ids not answered because the reply was full (MAX_ROWS_REPLY_BYTES); ask again for them. */
export const jobsReply = z.object({ jobs: z.array(jobRecordSchema), remaining: z.array(uuid).optional() });

export const listJobsReply = z.object({ jobs: z.array(jobRecordSchema), nextPageToken: z.string() });

/** The caller's usage of the run limits (JobService.GetJobUsage, WorkflowService.GetWorkflowUsage): who asks is all there is to it. */
export const usageQuery = z.object({ ...callerFields }).strict();
const count = z.number().int().min(0).max(2 ** 32 - 1);
/** How much of one limit is taken: the person's (their name) or a project's (its account). */
export const runUsageSchema = z.object({ name: z.string().max(256), used: count, limit: count, setting: z.string().max(64) }).strict();
export type RunUsage = z.infer<typeof runUsageSchema>;
/** A person's usage and, in the order of their accounts, each project's. */
export const usageReply = z.object({ person: runUsageSchema, projects: z.array(runUsageSchema).max(MAX_ACCOUNTS) }).strict();
export type Usage = z.infer<typeof usageReply>;

// --- size limits of messages (every message must fit NATS's max_payload, 1 MiB by default) ----

/**
 * Bytes of file content one message carries: base64 in JSON makes it about 4/3 of this,
 * well inside NATS's default max_payload of 1 MiB. Larger reads are paged (offset, end).
 */
export const PAGE_BYTES = 256 * 1024;
/** The most of a job's output one GetJobOutput returns (its last bytes). */
export const MAX_OUTPUT_BYTES = 1 << 20;
/** A reply of rows (a ListJobs page, jobs by id) holds at most this much JSON; fewer rows otherwise. */
export const MAX_ROWS_REPLY_BYTES = 768 * 1024;

const byteOffset = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const outputStreamSchema = z.enum(['stdout', 'stderr']);
/**
 * The last `maxBytes` of a job's output, one page at a time: the first request names no
 * offset and gets the window's first page and its `end`; each next request asks from the
 * `offset` after the bytes it has, up to that `end`.
 */
export const jobOutputQuery = z
  .object({
    jobId: uuid,
    stream: outputStreamSchema,
    maxBytes: z.number().int().min(1).max(MAX_OUTPUT_BYTES),
    offset: byteOffset.optional(),
    end: byteOffset.optional(),
    ...callerFields,
  })
  .strict();
/** One page of output: `dataBase64` holds bytes [offset, offset + length) of the stream; the window ends at `end`. */
export const outputReply = z.object({ dataBase64: z.string(), truncated: z.boolean(), offset: byteOffset.optional(), end: byteOffset.optional() });
export type OutputPage = z.infer<typeof outputReply>;

// --- images ----------------------------------------------------------------------------

/** `images.resolve`: the site decides the platform and the registry allow-list (the default site when absent). */
export const resolveImageQuery = z.object({ reference: imageReference, site: siteName.optional() }).strict();
export type ResolveImageQuery = z.infer<typeof resolveImageQuery>;
/**
 * A reference pinned to a digest. The facts after `digest` are optional: events and records
 * written before they existed lack them (docs/images.md).
 */
export const resolvedImageSchema = z.object({
  reference: z.string(),
  /** registry/name@sha256:..., what jobs run. */
  pinned: z.string(),
  /** The digest of the platform's image manifest. */
  digest: z.string().regex(/^sha256:[a-f0-9]{64}$/),
  /** registry/repository[:tag], fully qualified ("docker.io/library/python:3.12"). */
  canonical: z.string().max(512).optional(),
  /** The image index the manifest was chosen from, if the reference named one. */
  indexDigest: z.string().regex(/^sha256:[a-f0-9]{64}$/).optional(),
  platform: z
    .object({ os: z.string().max(32), architecture: z.string().max(32), variant: z.string().max(32).optional() })
    .strict()
    .optional(),
  mediaType: z.string().max(256).optional(),
  /** Bytes of config and layers (compressed). */
  size: z.number().int().min(0).optional(),
  /** When the registry was last asked for the tag (ISO 8601). */
  resolvedAt: z.string().max(64).optional(),
  /** Answered from the tag cache. */
  cached: z.boolean().optional(),
  /**
   * How long (ms, counted from when the answer arrives) the asker may reuse it for the same
   * reference and site without asking again: what remains of the images service's tag TTL
   * (CAIRN_IMAGE_TAG_TTL_SECONDS). Absent or 0: ask every time.
   */
  reuseForMs: z.number().int().min(0).max(7 * 24 * 3600 * 1000).optional(),
});
export type ResolvedImage = z.infer<typeof resolvedImageSchema>;

// --- agent (from the scheduler) ----------------------------------------------------------

export const attemptIdSchema = uuid;
/** Written in a command argument, replaced by each item's value (no shell is involved). */
export const ITEM_PLACEHOLDER = '${{ item }}';

/**
 * An attempt over many items: one Slurm array job whose elements each run
 * `itemsPerElement` items one after another; `${{ item }}` in the command becomes the item.
 */
export const attemptArraySchema = z
  .object({
    items: z
      .array(z.union([safeText(JOB_LIMITS.maxArgBytes), z.number().finite()]))
      .min(1)
      .max(JOB_LIMITS.maxItems)
      .refine((items) => jobTextBytes({ command: [], env: {}, array: { items } }) <= JOB_LIMITS.maxTotalBytes, `are more than ${JOB_LIMITS.maxTotalBytes} bytes together`),
    itemsPerElement: z.number().int().min(1).max(JOB_LIMITS.maxItems),
    throttle: z.number().int().min(1).max(JOB_LIMITS.maxItems).optional(),
    /** Each item's index in its workflow step (default: its position here). */
    indices: z.array(z.number().int().min(0)).optional(),
  })
  .strict()
  .refine((a) => !a.indices || a.indices.length === a.items.length, 'indices must match items one for one');
export type AttemptArray = z.infer<typeof attemptArraySchema>;

export const submitAttemptCommand = z
  .object({
    attemptId: attemptIdSchema,
    jobId: uuid,
    spec: jobSpecSchema,
    image: resolvedImageSchema,
    array: attemptArraySchema.optional(),
    /**
     * Whom the attempt runs as: the job owner's POSIX user and the Slurm account it is
     * charged to (the dispatcher fills both from the job's owner). The agent checks the
     * user against its own rules (docs/security.md, "Agent") and Slurm checks the account.
     * Absent: the site's one configured job user (CAIRN_AGENT_JOB_USER).
     */
    runAs: z.object({ posixUser: posixUserName, account: slurmAccountName }).strict().optional(),
  })
  .strict();
export type SubmitAttemptCommand = z.infer<typeof submitAttemptCommand>;
export type RunAs = NonNullable<SubmitAttemptCommand['runAs']>;
export const submitAttemptReply = z.object({ attemptId: attemptIdSchema, duplicate: z.boolean() });

export const cancelAttemptCommand = z.object({ attemptId: attemptIdSchema }).strict();
export const cancelAttemptReply = z.object({ attemptId: attemptIdSchema, known: z.boolean() });

export const attemptItemsQuery = z
  .object({
    attemptId: attemptIdSchema,
    /**
     * Provenance: also answer each item's `run` (host, times, hashed outputs). The reply is
     * then paged: at most MAX_ROWS_REPLY_BYTES of items from `offset`, `more` when others follow.
     */
    facts: z.boolean().optional(),
    /** With `facts`: skip this many items (those of the pages before, in index order). */
    offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .strict();
export const itemResultSchema = z.object({
  item: z.number().int().min(0),
  exitCode: z.number().int(),
  /** How long the item ran, from its record (absent when unknown). */
  seconds: z.number().min(0).optional(),
  /**
   * With `facts`: what the item's wrapper measured (host, start and end time, its declared
   * outputs hashed, paths relative to the STEP's directory: "<index>/<declared path>").
   * Inputs are the job's, on the attempt's final event.
   */
  run: runFactsSchema.optional(),
});
export const attemptItemsReply = z.object({ attemptId: attemptIdSchema, items: z.array(itemResultSchema), more: z.boolean().optional() });

/** A file in a workflow run's directory on the site, e.g. a loop's metrics JSON. */
export const runFileQuery = z
  .object({
    runId: uuid,
    path: safeText(2048).refine((p) => p.length > 0 && !p.startsWith('/') && !p.split('/').includes('..'), 'must be a relative path inside the run, without ".."'),
    maxBytes: z.number().int().min(1).max(1 << 20),
    /** Paging: the reply holds at most PAGE_BYTES from this offset (default 0), never past maxBytes. */
    offset: byteOffset.optional(),
  })
  .strict();
export type RunFileQuery = z.infer<typeof runFileQuery>;
/** `size`: the file's size when read (paging reads up to min(size, maxBytes)). */
export const runFileReply = z.object({ exists: z.boolean(), dataBase64: z.string(), truncated: z.boolean(), size: byteOffset.optional() });

/** Files of a workflow run matching a glob (`*`, `?`, `[...]` within one path segment). */
export const runGlobQuery = z
  .object({
    runId: uuid,
    pattern: safeText(1024).refine((p) => p.length > 0 && !p.startsWith('/') && !p.split('/').includes('..'), 'must be a relative pattern inside the run, without ".."'),
    limit: z.number().int().min(1).max(1_000_000),
    /** Paging: skip this many matches (those of the pages before). */
    offset: byteOffset.optional(),
  })
  .strict();
export type RunGlobQuery = z.infer<typeof runGlobQuery>;
/**
 * Matching paths relative to the run, in a fixed order; symbolic links are never followed.
 * A page holds at most MAX_ROWS_REPLY_BYTES of paths; `more` says another page follows.
 */
export const runGlobReply = z.object({ paths: z.array(z.string()), more: z.boolean().optional() });

/** One page of an attempt's output window (see jobOutputQuery). */
export const attemptOutputQuery = z
  .object({ attemptId: attemptIdSchema, stream: outputStreamSchema, maxBytes: z.number().int().min(1).max(MAX_OUTPUT_BYTES), offset: byteOffset.optional(), end: byteOffset.optional() })
  .strict();

// --- events ----------------------------------------------------------------------------

/** An agent's report that one attempt entered a state (stream CAIRN_SITE_EVENTS). */
export const attemptEventSchema = z
  .object({
    attemptId: attemptIdSchema,
    jobId: uuid,
    site: siteName,
    state: jobStateSchema.exclude(['ACCEPTED']),
    slurmJobId: z.union([slurmJobId, z.literal('')]),
    exitCode,
    reason: z.string().max(1024),
    time: isoTime,
    /**
     * Final states: what the wrapper measured where it ran (host, times, hashed files; an
     * array attempt's inputs only, its items' outputs are in the items query). RUNNING:
     * host and start time once the wrapper started.
     */
    run: runFactsSchema.optional(),
  })
  .strict();
export type AttemptEvent = z.infer<typeof attemptEventSchema>;

/** A job state change as recorded by the scheduler (stream CAIRN_JOB_EVENTS). */
export const jobEventSchema = z
  .object({
    jobId: uuid,
    sequence: z.number().int().min(1),
    state: jobStateSchema,
    exitCode,
    slurmJobId: z.string(),
    reason: z.string(),
    time: isoTime,
    /** On the ACCEPTED event: what the job is (owner, image and digest, command, run). */
    facts: jobFactsSchema.optional(),
    /** On RUNNING and final events: what its wrapper measured (host, times, hashed files). */
    run: runFactsSchema.optional(),
  })
  .strict();
export type JobEvent = z.infer<typeof jobEventSchema>;

export const healthReply = z.object({ service: z.string(), status: z.literal('SERVING') });

// --- sites (what an agent tells about its cluster) ----------------------------------------

const partitionName = token(/^[A-Za-z0-9_-]+$/, 'a partition name', 64);

export const partitionInfoSchema = z.object({
  name: partitionName,
  isDefault: z.boolean(),
  up: z.boolean(),
  cpusPerNode: z.number().int().min(0),
  memoryMbPerNode: z.number().int().min(0),
  nodes: z.number().int().min(0),
  maxTimeSeconds: z.number().int().min(0).nullable(),
  gres: z.array(z.string()),
  /** One-CPU jobs that can run at once (CPUs × OverSubscribe factor). */
  jobSlots: z.number().int().min(0),
});

/** A named resource class: how a site maps it to a partition (and GPUs). */
export const resourceClassSchema = z
  .object({
    partition: partitionName,
    gpuType: token(/^[A-Za-z0-9_.-]+$/, 'a GPU type', 32).optional(),
    description: z.string().max(256).optional(),
  })
  .strict();
export type ResourceClass = z.infer<typeof resourceClassSchema>;

export const siteDescriptionSchema = z.object({
  site: siteName,
  maxArraySize: z.number().int().min(1),
  maxJobCount: z.number().int().min(1),
  partitions: z.array(partitionInfoSchema),
  resourceClasses: userRecord(z.string(), resourceClassSchema),
  defaultPartition: z.string().optional(),
});
export type SiteDescription = z.infer<typeof siteDescriptionSchema>;
export type PartitionInfo = z.infer<typeof partitionInfoSchema>;

// --- site status (SiteService.ListSites: what an agent tells the gateway now) ---------------

/** Most partitions one site's status reply may list. */
export const MAX_SITE_PARTITIONS = 128;
/** Most GRES one partition in a site's status may list. */
export const MAX_PARTITION_GRES = 16;
const uint32 = z.number().int().min(0).max(0xffff_ffff);
const wholeCount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const gresName = z.string().regex(/^[\x21-\x7e]{1,64}$/, 'expected a GRES name: printable characters without spaces, at most 64');

/** The status query (`agent.status`): no fields. */
export const siteStatusQuery = z.object({}).strict();

/** One partition as a site's status reports it (bounded: it becomes uint32 and uint64 proto fields). */
export const sitePartitionStatusSchema = z.object({
  name: partitionName,
  isDefault: z.boolean(),
  up: z.boolean(),
  nodes: uint32,
  cpusPerNode: uint32,
  memoryMbPerNode: wholeCount,
  /** null for no limit. */
  maxTimeSeconds: wholeCount.nullable(),
  gres: z.array(gresName).max(MAX_PARTITION_GRES),
});
export type SitePartitionStatus = z.infer<typeof sitePartitionStatusSchema>;

/**
 * An agent's answer to `agent.status`: its partitions now, Slurm's MaxArraySize, and how
 * many of Cairn's jobs it follows are pending and running in Slurm as of its last squeue
 * poll (an array job counts once).
 */
export const siteStatusReply = z.object({
  site: siteName,
  maxArraySize: uint32,
  partitions: z.array(sitePartitionStatusSchema).max(MAX_SITE_PARTITIONS),
  defaultPartition: partitionName.optional(),
  queue: z.object({ pending: uint32, running: uint32 }),
});
export type SiteStatus = z.infer<typeof siteStatusReply>;

// --- workflows ---------------------------------------------------------------------------

/**
 * A workflow file's largest text. It travels inside one NATS message as JSON, where
 * quotes, backslashes, tabs and newlines take two bytes: 256 KiB stays well inside 1 MiB.
 */
export const MAX_WORKFLOW_SOURCE_BYTES = 256 * 1024;

export const planWorkflowCommand = z
  .object({
    source: z.string().refine((s) => Buffer.byteLength(s) <= MAX_WORKFLOW_SOURCE_BYTES, `is larger than ${MAX_WORKFLOW_SOURCE_BYTES} bytes (256 KiB)`),
    fileName: token(/^[A-Za-z0-9._/-]+$/, 'a file name: letters, digits, ".", "-", "_" and "/"', 255),
    site: siteName.optional(),
    defaultSite: siteName,
    ...callerFields,
  })
  .strict();
export type PlanWorkflowCommand = z.infer<typeof planWorkflowCommand>;

export const resolvedResourcesSchema = z.object({
  partition: z.string(),
  cpus: z.number().int(),
  memoryMb: z.number().int(),
  timeLimitSeconds: z.number().int(),
  gpus: z.number().int(),
  gpuType: z.string().optional(),
  nodes: z.number().int(),
  resourceClass: z.string().optional(),
});
export type ResolvedResources = z.infer<typeof resolvedResourcesSchema>;

export const arrayStepPlanSchema = z.object({
  /** null when the items are known only at run time (glob, lines, an earlier step's output). */
  items: z.number().int().nullable(),
  itemSeconds: z.number(),
  itemsPerElement: z.number().int(),
  elements: z.number().int().nullable(),
  /** sbatch --array values, one per Slurm array job. */
  arrays: z.array(z.string()),
  throttle: z.number().int().optional(),
});
export type ArrayStepPlan = z.infer<typeof arrayStepPlanSchema>;

export interface StepPlan {
  /** "train", or "learn.train" inside a loop. */
  path: string;
  kind: 'run' | 'array' | 'loop';
  needs: string[];
  image?: string;
  imageDigest?: string;
  resources?: ResolvedResources;
  array?: ArrayStepPlan;
  loop?: { maxIterations: number; maxWallTimeSeconds?: number; until?: string; steps: StepPlan[] };
}

export const stepPlanSchema: z.ZodType<StepPlan> = z.lazy(() =>
  z.object({
    path: z.string(),
    kind: z.enum(['run', 'array', 'loop']),
    needs: z.array(z.string()),
    image: z.string().optional(),
    imageDigest: z.string().optional(),
    resources: resolvedResourcesSchema.optional(),
    array: arrayStepPlanSchema.optional(),
    loop: z
      .object({
        maxIterations: z.number().int(),
        maxWallTimeSeconds: z.number().int().optional(),
        until: z.string().optional(),
        steps: z.array(stepPlanSchema),
      })
      .optional(),
  }),
);

export const workflowPlanSchema = z.object({
  name: z.string(),
  site: z.string(),
  steps: z.array(stepPlanSchema),
  /** Slurm jobs per pass (a loop body counted once), where item counts are known. */
  slurmJobs: z.number().int(),
});
export type WorkflowPlan = z.infer<typeof workflowPlanSchema>;
export const planWorkflowReply = z.object({ plan: workflowPlanSchema });
