import { z } from 'zod';
import { jobSpecSchema } from './job-spec';
import { jobStateSchema } from './job-state';
import { imageReference, siteName, token, uuid } from './validation';

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
});
export type JobRecord = z.infer<typeof jobRecordSchema>;

export const submitJobCommand = z.object({ spec: jobSpecSchema, requestId: requestIdSchema.optional() }).strict();
export const jobReply = z.object({ job: jobRecordSchema });
export const jobIdQuery = z.object({ jobId: uuid }).strict();

export const listJobsQuery = z
  .object({
    pageSize: z.number().int().min(1).max(500),
    pageToken: z.string().max(512).optional(),
    states: z.array(jobStateSchema).max(7),
    site: siteName.optional(),
    namePrefix: z.string().max(64).optional(),
  })
  .strict();
export type ListJobsQuery = z.infer<typeof listJobsQuery>;
export const listJobsReply = z.object({ jobs: z.array(jobRecordSchema), nextPageToken: z.string() });

export const outputStreamSchema = z.enum(['stdout', 'stderr']);
export const jobOutputQuery = z
  .object({ jobId: uuid, stream: outputStreamSchema, maxBytes: z.number().int().min(1).max(1 << 20) })
  .strict();
export const outputReply = z.object({ dataBase64: z.string(), truncated: z.boolean() });

// --- images ----------------------------------------------------------------------------

export const resolveImageQuery = z.object({ reference: imageReference }).strict();
export const resolvedImageSchema = z.object({
  reference: z.string(),
  /** registry/name@sha256:..., what jobs run. */
  pinned: z.string(),
  digest: z.string().regex(/^sha256:[a-f0-9]{64}$/),
});
export type ResolvedImage = z.infer<typeof resolvedImageSchema>;

// --- agent (from the scheduler) ----------------------------------------------------------

export const attemptIdSchema = uuid;
export const submitAttemptCommand = z
  .object({ attemptId: attemptIdSchema, jobId: uuid, spec: jobSpecSchema, image: resolvedImageSchema })
  .strict();
export type SubmitAttemptCommand = z.infer<typeof submitAttemptCommand>;
export const submitAttemptReply = z.object({ attemptId: attemptIdSchema, duplicate: z.boolean() });

export const cancelAttemptCommand = z.object({ attemptId: attemptIdSchema }).strict();
export const cancelAttemptReply = z.object({ attemptId: attemptIdSchema, known: z.boolean() });

export const attemptOutputQuery = z
  .object({ attemptId: attemptIdSchema, stream: outputStreamSchema, maxBytes: z.number().int().min(1).max(1 << 20) })
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
  resourceClasses: z.record(z.string(), resourceClassSchema),
  defaultPartition: z.string().optional(),
});
export type SiteDescription = z.infer<typeof siteDescriptionSchema>;
export type PartitionInfo = z.infer<typeof partitionInfoSchema>;
