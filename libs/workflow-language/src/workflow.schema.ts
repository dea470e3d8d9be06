import { z } from 'zod';
import { imageReference, JOB_LIMITS, parseGlobSegment, safeText, siteName, token, userRecord } from '@cairn/contracts';
import { durationSeconds, memoryMiB, notADuration, notAMemorySize } from './quantities';

/**
 * The workflow language, version 1 (see docs/workflows.md). A workflow is a map of named
 * steps; a step runs a containerised command (optionally over an `array` of items) or
 * repeats a sub-workflow in a `loop`. Names are tokens; commands are argument vectors whose
 * elements may hold `${{ ... }}` references (to items, other steps' outputs, the loop).
 */

/** The most items one array step may have (a range is counted before it is expanded). */
export const MAX_STEP_ITEMS = 1_000_000;

export const STEP_NAME = /^[a-z][a-z0-9_-]{0,62}$/;
const stepName = token(STEP_NAME, 'a step name: lower-case letters, digits, "-" and "_", starting with a letter', 63);
const outputName = token(/^[a-z][a-z0-9_]{0,62}$/, 'an output name: lower-case letters, digits and "_"', 63);
const relativePath = safeText(1024)
  .min(1, 'must not be empty')
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be a relative path inside the step directory, without ".."');

/** "90", "90s", "15m", "2h", "1d", "1:30:00" or a number of seconds → seconds. */
export const duration = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  const seconds = typeof value === 'number' ? value : durationSeconds(value);
  if (seconds !== undefined) return seconds;
  ctx.addIssue({ code: 'custom', message: notADuration(String(value)) });
  return z.NEVER;
});

/** "512M", "4G", "1T" or a number of MiB → MiB. */
export const memory = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  const mib = typeof value === 'number' ? value : memoryMiB(value);
  if (mib !== undefined) return mib;
  ctx.addIssue({ code: 'custom', message: notAMemorySize(String(value)) });
  return z.NEVER;
});

export const workflowResourcesSchema = z
  .object({
    cpus: z.number().int().min(1, 'must be at least 1').max(JOB_LIMITS.maxCpus, `must be at most ${JOB_LIMITS.maxCpus}`).optional(),
    memory: memory.refine((mb) => mb <= JOB_LIMITS.maxMemoryMb, 'must be at most 16 TiB').optional(),
    time: duration.refine((s) => s <= JOB_LIMITS.maxTimeLimitSeconds, 'must be at most 30 days').optional(),
    gpus: z.number().int().min(0, 'must not be negative').max(64, 'must be at most 64 per node').optional(),
    gpuType: token(/^[A-Za-z0-9_.-]+$/, 'a GPU type such as a100', 32).optional(),
    nodes: z.number().int().min(1, 'must be at least 1').max(10_000, 'must be at most 10000').optional(),
    class: token(/^[a-z][a-z0-9-]*$/, 'a resource class name', 32).optional(),
  })
  .strict();

const retriesSchema = z
  .object({
    max: z.number().int().min(0).max(10),
    backoff: duration.optional(),
    factor: z.number().min(1).max(10).optional(),
  })
  .strict();

const checkpointSchema = z
  .object({
    path: relativePath,
    requeue: z.boolean().default(true),
  })
  .strict();

/** An item or a parameter: a scalar (text under the free-text rule, a finite number, a boolean). */
const itemValue = z.union([safeText(JOB_LIMITS.maxArgBytes), z.number(), z.boolean()]);

const OUTPUT_REFERENCE = /^\$\{\{\s*steps\.[a-z][a-z0-9_-]*\.outputs\.[a-z][a-z0-9_]*\s*\}\}$/;
const outputReference = z
  .string()
  .max(256, 'is longer than 256 characters')
  .refine((v) => v.length > 256 || OUTPUT_REFERENCE.test(v), 'must be ${{ steps.<step>.outputs.<output> }}');

/** A glob over the run's directory: free text, and every segment without a reference well formed. */
const globPattern = safeText(1024)
  .min(1, 'must not be empty')
  .superRefine((pattern, ctx) => {
    if (pattern.includes('${{')) return;
    for (const segment of pattern.split('/')) {
      try {
        parseGlobSegment(segment);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return;
      }
    }
  });

export const arraySchema = z
  .object({
    items: z
      .array(itemValue)
      .min(1)
      .max(MAX_STEP_ITEMS)
      .meta({ description: 'The items, each a scalar (text, number or boolean): `${{ item }}` is the item; items have no fields.' })
      .optional(),
    range: z
      .object({ from: z.number().int(), to: z.number().int(), step: z.number().int().min(1).default(1) })
      .strict()
      .refine((r) => r.to >= r.from, 'to must not be below from')
      // Counted, never expanded, before it is accepted.
      .refine((r) => r.to < r.from || Math.floor((r.to - r.from) / r.step) + 1 <= MAX_STEP_ITEMS, {
        message: `makes more than ${MAX_STEP_ITEMS} items`,
      })
      .optional(),
    glob: globPattern.optional(),
    lines: safeText(1024).min(1, 'must not be empty').optional(),
    from: outputReference.optional(),
    /** Pack several items into one array element so each runs about this long. */
    targetDuration: duration.optional(),
    /** Expected run time of one item, until the step's history says better. */
    itemEstimate: duration.optional(),
    /** At most this many elements of the array run at once (Slurm's %k). */
    throttle: z.number().int().min(1).max(100_000).optional(),
  })
  .strict()
  .superRefine((array, ctx) => {
    const sources = (['items', 'range', 'glob', 'lines', 'from'] as const).filter((k) => array[k] !== undefined);
    if (sources.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `needs exactly one item source (items, range, glob, lines or from); found ${sources.length === 0 ? 'none' : sources.join(', ')}`,
      });
    }
  });

const baseStep = {
  image: imageReference.optional(),
  command: z.array(safeText(JOB_LIMITS.maxArgBytes)).min(1).max(JOB_LIMITS.maxArgs).optional(),
  env: userRecord(token(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name', 128), safeText(JOB_LIMITS.maxArgBytes)).optional(),
  resources: workflowResourcesSchema.optional(),
  needs: z.array(stepName).max(256).optional(),
  inputs: userRecord(outputName, safeText(1024).min(1, 'must not be empty')).optional(),
  outputs: userRecord(outputName, relativePath).optional(),
  retries: retriesSchema.optional(),
  checkpoint: checkpointSchema.optional(),
  array: arraySchema.optional(),
  /** A decide step: its `next` output (JSON) holds the next iteration's items or parameters. */
  decide: z.boolean().optional(),
};

export interface ParsedResources {
  cpus?: number;
  /** MiB */
  memory?: number;
  /** seconds */
  time?: number;
  gpus?: number;
  gpuType?: string;
  nodes?: number;
  class?: string;
}

export interface ParsedArray {
  items?: (string | number | boolean)[];
  range?: { from: number; to: number; step: number };
  glob?: string;
  lines?: string;
  from?: string;
  targetDuration?: number;
  itemEstimate?: number;
  throttle?: number;
}

export interface ParsedLoop {
  steps: Record<string, ParsedStep>;
  until?: string;
  metrics?: string;
  maxIterations: number;
  maxWallTime?: number;
}

/** A step after parsing: durations in seconds, memory in MiB. */
export interface ParsedStep {
  image?: string;
  command?: string[];
  env?: Record<string, string>;
  resources?: ParsedResources;
  needs?: string[];
  inputs?: Record<string, string>;
  outputs?: Record<string, string>;
  retries?: { max: number; backoff?: number; factor?: number };
  checkpoint?: { path: string; requeue: boolean };
  array?: ParsedArray;
  decide?: boolean;
  loop?: ParsedLoop;
}

const loopSchema: z.ZodType<ParsedLoop, unknown> = z.lazy(() =>
  z
    .object({
      steps: stepsSchema,
      /** Condition over the metrics JSON, e.g. "val_loss < 0.05 or epochs >= 20". */
      until: safeText(1024).min(1, 'must not be empty').optional(),
      /** Which step output holds the metrics JSON. */
      metrics: outputReference.optional(),
      maxIterations: z.number().int().min(1).max(10_000),
      maxWallTime: duration.optional(),
    })
    .strict()
    .superRefine((loop, ctx) => {
      if (loop.until && !loop.metrics) ctx.addIssue({ code: 'custom', message: 'until needs metrics: the step output that holds the metrics JSON' });
    }),
);

const stepSchema: z.ZodType<ParsedStep, unknown> = z.lazy(() =>
  z
    .object({ ...baseStep, loop: loopSchema.optional() })
    .strict()
    .superRefine((step, ctx) => {
      if (step.loop) {
        for (const key of ['command', 'image', 'array'] as const) {
          if (step[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'a loop step runs its sub-steps; it has no command, image or array of its own' });
        }
      } else if (!step.command) {
        ctx.addIssue({ code: 'custom', path: ['command'], message: 'is required (or make this a loop step)' });
      }
    }),
);

const stepsSchema = userRecord(stepName, stepSchema, { min: 1, max: 1000, what: 'steps' });

export const workflowSchema = z
  .object({
    version: z.literal(1, 'must be 1'),
    name: token(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a workflow name: letters, digits, ".", "-" and "_"', 64),
    description: safeText(4096).optional(),
    site: siteName.optional(),
    defaults: z
      .object({ image: imageReference.optional(), resources: workflowResourcesSchema.optional(), retries: retriesSchema.optional() })
      .strict()
      .optional(),
    params: userRecord(outputName, itemValue).optional(),
    steps: stepsSchema,
  })
  .strict();

/** A workflow after parsing and validation. */
export type ParsedWorkflow = Omit<z.output<typeof workflowSchema>, 'steps'> & { steps: Record<string, ParsedStep> };
