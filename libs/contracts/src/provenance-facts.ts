import { z } from 'zod';
import { ownerSchema } from './identity';
import { replaceControls, siteName, uuid } from './validation';

/**
 * The facts provenance records, as they travel inside the events that carry them (job,
 * attempt and workflow events; docs/provenance.md). Every field is optional in the events,
 * so events written before provenance existed still parse.
 */
const isoTime = z.iso.datetime({ offset: true });

/** A content hash: 64 lowercase hex digits (sha256). */
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;
export const sha256Hex = z.string().regex(SHA256_PATTERN, 'must be a sha256: 64 lowercase hex digits');

/** Most files one job (or one array item) reports hashes of; more are left out and counted. */
export const MAX_HASHED_FILES = 64;

/**
 * One file (or directory) a job declared and its wrapper hashed where it ran. `path` is
 * relative to the step's directory for outputs (e.g. "model.npz"), absolute for inputs
 * from outside the run. A directory's sha256 is that of the sorted lines
 * "<sha256>  <relative path>" of every regular file below it (sha256sum's format).
 */
export const fileDigestSchema = z
  .object({
    path: z.string().min(1).max(1024),
    sha256: sha256Hex,
    size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    kind: z.enum(['file', 'dir']).default('file'),
  })
  .strict();
export type FileDigest = z.infer<typeof fileDigestSchema>;

/** What a job's wrapper measured where it ran: on the attempt event and the final job event. */
export const runFactsSchema = z
  .object({
    host: z.string().max(255).optional(),
    startTime: isoTime.optional(),
    endTime: isoTime.optional(),
    /** Declared outputs that exist when the command ended, hashed by the wrapper. */
    outputs: z.array(fileDigestSchema).max(MAX_HASHED_FILES).optional(),
    /** Declared inputs from outside the run, hashed by the wrapper before the command ran. */
    inputs: z.array(fileDigestSchema).max(MAX_HASHED_FILES).optional(),
    /** Declared files that were missing or past MAX_HASHED_FILES (not hashed). */
    unhashed: z.array(z.string().max(1024)).max(MAX_HASHED_FILES).optional(),
  })
  .strict();
export type RunFacts = z.infer<typeof runFactsSchema>;

/**
 * Run facts as a service stores them (jsonb) and passes them on: what the free-text rule
 * refuses in their text (host, paths) becomes U+FFFD, so an odd path never makes a store
 * fail (PostgreSQL's jsonb refuses NUL) and the message carrying it be redelivered forever.
 */
export function storableRunFacts(run: RunFacts): RunFacts {
  const clean = (value: string) => replaceControls(value);
  return {
    ...run,
    ...(run.host !== undefined ? { host: clean(run.host) } : {}),
    ...(run.outputs ? { outputs: run.outputs.map((f) => ({ ...f, path: clean(f.path) })) } : {}),
    ...(run.inputs ? { inputs: run.inputs.map((f) => ({ ...f, path: clean(f.path) })) } : {}),
    ...(run.unhashed ? { unhashed: run.unhashed.map(clean) } : {}),
  };
}

/** What a job is, sent once on its ACCEPTED event (jobEventSchema.facts). */
export const jobFactsSchema = z
  .object({
    owner: ownerSchema,
    account: z.string().max(64),
    site: siteName,
    name: z.string().max(64),
    /** The image as submitted (e.g. "lab/busybox:1.36"). */
    image: z.string().max(512),
    /** The pinned reference the job runs ("<registry>/<repo>@sha256:<hex>"). */
    imageRef: z.string().max(512),
    /** "sha256:<hex>". */
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    command: z.array(z.string()).max(256),
    resources: z.record(z.string(), z.union([z.number(), z.string()])),
    /** Array jobs: how many items (0 for a single job). */
    items: z.number().int().min(0),
    /** The workflow run the job belongs to (its step links it through step.jobIds). */
    runId: uuid.optional(),
    /** Its step instance's directory in the run ("learn/3/train"): outputs are relative to it. */
    stepDir: z.string().max(1024).optional(),
    /**
     * Earlier steps' outputs the command refers to, as paths relative to the run's directory
     * ("prepare/pool.npz"): provenance records that the job used them.
     */
    uses: z.array(z.string().max(1024)).max(256).optional(),
  })
  .strict();
export type JobFacts = z.infer<typeof jobFactsSchema>;

/** A run's parameter value as the file's `params` holds it. */
export const paramValueSchema = z.union([z.string(), z.number(), z.boolean()]);

/** What a workflow run is, sent once on its first event (workflowEventSchema.submitted). */
export const runSubmittedSchema = z
  .object({
    name: z.string().max(128),
    fileName: z.string().max(255),
    /** The workflow file's text as submitted (at most 256 KiB) and its sha256. */
    source: z.string(),
    sourceSha256: sha256Hex,
    /** The file's parameters with their values in this run. */
    params: z.record(z.string(), paramValueSchema),
    owner: ownerSchema,
    account: z.string().max(64),
    site: siteName,
    /** Every image the run's steps name, as written and as pinned. */
    images: z.array(z.object({ reference: z.string().max(512), imageRef: z.string().max(512), digest: z.string() }).strict()).max(256),
    /** The run this one re-ran (ProvenanceService.Rerun). */
    rerunOf: uuid.optional(),
  })
  .strict();
export type RunSubmitted = z.infer<typeof runSubmittedSchema>;

/** Most items one `items` workflow event carries (a larger step sends several). */
export const MAX_ITEMS_PER_EVENT = 500;

/** One array item's result with what its wrapper measured. */
export const itemFactsSchema = z
  .object({
    index: z.number().int().min(0),
    exitCode: z.number().int().nullable(),
    jobId: uuid,
    slurmJobId: z.string().max(32),
  })
  .extend(runFactsSchema.shape)
  .strict();
export type ItemFacts = z.infer<typeof itemFactsSchema>;

/** The `items` workflow event: results of an array step's items once its job ended. */
export const stepItemsSchema = z
  .object({
    stepKey: z.string().max(512),
    items: z.array(itemFactsSchema).max(MAX_ITEMS_PER_EVENT),
  })
  .strict();
export type StepItems = z.infer<typeof stepItemsSchema>;

/** An image resolution (stream CAIRN_IMAGE_EVENTS, subject cairn.images.events.resolved). */
export const imageEventSchema = z
  .object({
    reference: z.string().max(512),
    imageRef: z.string().max(512),
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    registry: z.string().max(255),
    time: isoTime,
    /** The facts of the resolution (issue 12), absent from events written before. registry/repository[:tag]. */
    canonical: z.string().max(512).optional(),
    /** The image index the platform's manifest was chosen from. */
    indexDigest: z.string().regex(/^sha256:[0-9a-f]{64}$/).optional(),
    /** "linux/amd64", "linux/arm64/v8". */
    platform: z.string().max(100).optional(),
    mediaType: z.string().max(256).optional(),
    /** Bytes of the layers (compressed). */
    size: z.number().int().min(0).optional(),
  })
  .strict();
export type ImageEvent = z.infer<typeof imageEventSchema>;
