import { z } from 'zod';
import { slurmAccountName } from './identity';
import { imageReference, safeText, siteName, token, userRecord, uuid } from './validation';

export const JOB_LIMITS = {
  maxArgs: 256,
  maxArgBytes: 4096,
  maxEnv: 64,
  maxEnvNameBytes: 128,
  maxCpus: 1024,
  maxMemoryMb: 16 * 1024 * 1024,
  maxTimeLimitSeconds: 30 * 24 * 3600,
  maxItems: 10_000,
  /**
   * Command arguments, env names and values, and array items together, in bytes of UTF-8
   * text: what keeps a job, and the messages that carry it, well inside NATS's 1 MiB.
   */
  maxTotalBytes: 128 * 1024,
} as const;

/** The bytes that count against JOB_LIMITS.maxTotalBytes. */
export function jobTextBytes(spec: { command: readonly string[]; env: Readonly<Record<string, string>>; array?: { items: readonly (string | number)[] } }): number {
  let bytes = 0;
  for (const arg of spec.command) bytes += Buffer.byteLength(arg);
  for (const [name, value] of Object.entries(spec.env)) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  for (const item of spec.array?.items ?? []) bytes += Buffer.byteLength(String(item));
  return bytes;
}

export const JOB_DEFAULTS = { cpus: 1, memoryMb: 1024, timeLimitSeconds: 3600 } as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const resourcesSchema = z
  .object({
    cpus: z.number().int().min(1, 'must be at least 1').max(JOB_LIMITS.maxCpus, `must be at most ${JOB_LIMITS.maxCpus}`),
    memoryMb: z
      .number()
      .int()
      .min(1, 'must be at least 1 MiB')
      .max(JOB_LIMITS.maxMemoryMb, `must be at most ${JOB_LIMITS.maxMemoryMb} MiB (16 TiB)`),
    timeLimitSeconds: z
      .number()
      .int()
      .min(1, 'must be at least 1 second')
      .max(JOB_LIMITS.maxTimeLimitSeconds, `must be at most ${JOB_LIMITS.maxTimeLimitSeconds} seconds (30 days)`),
    partition: token(/^[A-Za-z0-9_-]+$/, 'a partition name: letters, digits, "-" and "_"', 64).optional(),
    /** Internal (workflows, resource classes): nodes, and GPUs per node of an optional type. */
    nodes: z.number().int().min(1).max(100_000).optional(),
    gpus: z.number().int().min(0).max(64).optional(),
    gpuType: token(/^[A-Za-z0-9_.-]+$/, 'a GPU type such as a100', 32).optional(),
  })
  .strict();

/** Names are user keys: a null-prototype record, so "__proto__" or "constructor" is a name like any other. */
export const envSchema = userRecord(
  z
    .string()
    .max(JOB_LIMITS.maxEnvNameBytes, `is longer than ${JOB_LIMITS.maxEnvNameBytes} characters`)
    .regex(ENV_NAME, 'must be a variable name: letters, digits and "_", not starting with a digit')
    .refine((name) => !/^(SLURM_|CAIRN_)/.test(name), 'must not start with SLURM_ or CAIRN_ (reserved)'),
  safeText(JOB_LIMITS.maxArgBytes),
  { max: JOB_LIMITS.maxEnv },
);

export const itemArraySchema = z
  .object({
    items: z.array(safeText(JOB_LIMITS.maxArgBytes)).min(1, 'must have at least one item').max(JOB_LIMITS.maxItems, `must have at most ${JOB_LIMITS.maxItems} items`),
    itemsPerElement: z.number().int().min(1).max(10_000, 'must be at most 10000'),
    throttle: z.number().int().min(1).max(10_000).optional(),
    /**
     * Internal (workflows): each item's index in its step, when this job runs a subset
     * (a retry of failed items or one chunk of a large step). Same length as items.
     */
    indices: z.array(z.number().int().min(0).max(10_000_000)).optional(),
  })
  .strict()
  .refine((a) => Math.ceil(a.items.length / a.itemsPerElement) <= 1000, 'makes more than 1000 array elements: pack more items per element')
  .refine((a) => !a.indices || a.indices.length === a.items.length, 'indices must match items one for one');
export type ItemArray = z.infer<typeof itemArraySchema>;

/** A directory inside a workflow run: relative, no "..", a fixed alphabet. */
export const RUN_PATH = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(?:\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;
export const runPath = token(RUN_PATH, 'a relative path: segments of letters, digits, ".", "-" and "_", none starting with "."', 1024);

/** An absolute path on the cluster: no "." or ".." segments, no control characters, at most 1024 bytes. */
export const absolutePath = z
  .string()
  .max(1024)
  .regex(/^(?:\/[^/]+)+$/, 'must be an absolute path')
  .refine((p) => ![...p].some((c) => c <= '\u001f' || c === '\u007f'), 'must be an absolute path without control characters')
  .refine((p) => !p.split('/').some((segment) => segment === '.' || segment === '..'), 'must not contain "." or ".." segments');

/**
 * Internal (workflows): the job belongs to a workflow run. The agent binds the run's
 * directory at /cairn/run and runs the command in /cairn/run/<stepDir> (an array item in
 * /cairn/run/<stepDir>/<index>), so steps find each other's outputs.
 */
export const workflowRunDirSchema = z
  .object({
    id: uuid,
    stepDir: runPath,
    /**
     * Provenance: the step's declared outputs, relative to its directory (an array item's:
     * to the item's directory), which the wrapper hashes when the command ends.
     */
    outputs: z.array(runPath).max(64).optional(),
    /** Provenance: declared inputs from outside the run (absolute paths), hashed before the command runs. */
    inputs: z.array(absolutePath).max(64).optional(),
    /** Provenance: earlier steps' outputs the command refers to, relative to the run's directory. */
    uses: z.array(runPath).max(256).optional(),
  })
  .strict();
export type WorkflowRunDir = z.infer<typeof workflowRunDirSchema>;

/** A complete, validated job spec with defaults filled in: what every service passes on. */
export const jobSpecSchema = z
  .object({
    name: token(
      /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
      'a job name: letters, digits, ".", "-" and "_", starting with a letter or digit',
      64,
    ),
    image: imageReference,
    command: z
      .array(safeText(JOB_LIMITS.maxArgBytes))
      .min(1, 'must have at least one argument (the program to run)')
      .max(JOB_LIMITS.maxArgs, `must have at most ${JOB_LIMITS.maxArgs} arguments`)
      .refine((args) => args.length === 0 || args[0] !== '', 'must start with a non-empty program name'),
    env: envSchema,
    resources: resourcesSchema,
    site: siteName,
    array: itemArraySchema.optional(),
    run: workflowRunDirSchema.optional(),
    /**
     * The Slurm account to charge (one of the submitter's; default: their first). The
     * scheduler records the account it chose here, so every job it stores names one.
     */
    account: slurmAccountName.optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const bytes = jobTextBytes(spec);
    if (bytes > JOB_LIMITS.maxTotalBytes) {
      ctx.addIssue({
        code: 'custom',
        message: `command, env and array items together are ${bytes} bytes; at most ${JOB_LIMITS.maxTotalBytes} (128 KiB) allowed: split the items over several jobs`,
      });
    }
  });

/**
 * A job spec as a client may submit it: the fields only Cairn itself sets (a workflow's
 * run directory and item indices, nodes and GPUs from resource classes) are refused, each
 * by name. The gateway parses every submission with this; the agent checks them again.
 */
export const publicJobSpecSchema = jobSpecSchema.superRefine((spec, ctx) => {
  const internal = (path: (string | number)[], what: string) =>
    ctx.addIssue({ code: 'custom', path, message: `is internal (${what}, set by Cairn itself); a submitted job cannot carry it` });
  if (spec.run !== undefined) internal(['run'], "a workflow step's run directory");
  if (spec.array?.indices !== undefined) internal(['array', 'indices'], "the items' indices in a workflow step");
  if (spec.resources.nodes !== undefined) internal(['resources', 'nodes'], 'from resource classes');
  if (spec.resources.gpus !== undefined) internal(['resources', 'gpus'], 'from resource classes');
  if (spec.resources.gpuType !== undefined) internal(['resources', 'gpuType'], 'from resource classes');
});

export type JobSpec = z.infer<typeof jobSpecSchema>;
export type Resources = z.infer<typeof resourcesSchema>;
