import { z } from 'zod';
import { callerFields } from './caller';
import { ownerSchema, slurmAccountName } from './identity';
import { MAX_WORKFLOW_SOURCE_BYTES, requestIdSchema, workflowPlanSchema } from './messages';
import { siteName, userRecord } from './validation';
import { workflowRecordSchema } from './workflow-records';

/**
 * Workflow templates (version 1): a published workflow file with a small form of
 * parameters, each setting one `params` entry of the file (docs/templates.md). The
 * scheduler stores them (table `workflow_templates`) and checks every field; these
 * schemas only bound what a message may carry, so the scheduler can list every problem of
 * a template at once.
 */
const isoTime = z.iso.datetime({ offset: true });

/** The limits of a template, checked when it is published and when it runs. */
export const TEMPLATE_LIMITS = {
  /** Template names: lower-case letters, digits and "-", starting with a letter. */
  namePattern: /^[a-z][a-z0-9-]{0,62}$/,
  maxTitleChars: 200,
  maxDescriptionChars: 4096,
  maxParameters: 64,
  maxLabelChars: 128,
  maxParameterDescriptionChars: 1024,
  maxChoices: 100,
  maxChoiceChars: 256,
  /** A STRING value's length (no line breaks, no control characters). */
  maxStringChars: 1024,
  /** The form (every parameter together) as JSON. */
  maxParametersJsonBytes: 64 * 1024,
} as const;

export const TEMPLATE_PARAMETER_TYPES = ['STRING', 'INTEGER', 'NUMBER', 'BOOLEAN', 'CHOICE'] as const;
export type TemplateParameterType = (typeof TEMPLATE_PARAMETER_TYPES)[number];

/** Bounds a text a message carries (the scheduler checks its content). */
const bounded = (maxChars: number) => z.string().max(maxChars, `is longer than ${maxChars} characters`);

/** One field of a template's form, as sent (checked by the scheduler) and as stored. */
export const templateParameterSchema = z
  .object({
    name: bounded(256),
    label: bounded(1024),
    description: bounded(4096),
    /** UNSPECIFIED is what an unset protobuf enum becomes: refused by the scheduler. */
    type: z.enum([...TEMPLATE_PARAMETER_TYPES, 'UNSPECIFIED']),
    choices: z.array(bounded(1024)).max(1000),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    /** The file's default as text; empty when published (Cairn fills it from the file). */
    defaultValue: bounded(4096),
  })
  .strict();
export type TemplateParameter = z.infer<typeof templateParameterSchema>;

/** A template as an admin publishes it: version, publisher and time are Cairn's. */
export const templateDraftSchema = z
  .object({
    name: bounded(256),
    title: bounded(4096),
    description: bounded(16384),
    source: z.string().refine((s) => Buffer.byteLength(s) <= MAX_WORKFLOW_SOURCE_BYTES, `is larger than ${MAX_WORKFLOW_SOURCE_BYTES} bytes (256 KiB)`),
    parameters: z.array(templateParameterSchema).max(1000),
  })
  .strict();
export type TemplateDraft = z.infer<typeof templateDraftSchema>;

/** A published template; `source` is absent in listings. */
export const templateRecordSchema = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string(),
  source: z.string().optional(),
  parameters: z.array(templateParameterSchema),
  version: z.number().int().min(1),
  publishedBy: ownerSchema,
  publishedAt: isoTime,
});
export type TemplateRecord = z.infer<typeof templateRecordSchema>;

export const listTemplatesQuery = z
  .object({ pageSize: z.number().int().min(1).max(500), pageToken: z.string().max(512).optional(), ...callerFields })
  .strict();
export type ListTemplatesQuery = z.infer<typeof listTemplatesQuery>;
export const listTemplatesReply = z.object({ templates: z.array(templateRecordSchema), nextPageToken: z.string() });

/** Get and Delete: a template by name (a malformed name is INVALID_ARGUMENT from the scheduler). */
export const templateNameQuery = z.object({ name: bounded(256), ...callerFields }).strict();
export type TemplateNameQuery = z.infer<typeof templateNameQuery>;
export const templateReply = z.object({ template: templateRecordSchema });
export const deleteTemplateReply = z.object({ name: z.string() });

export const publishTemplateCommand = z.object({ template: templateDraftSchema, ...callerFields }).strict();
export type PublishTemplateCommand = z.infer<typeof publishTemplateCommand>;

/**
 * Run a template as the caller: values by parameter name (text, checked against each
 * parameter by the scheduler), then what SubmitWorkflow takes besides the file.
 */
export const runTemplateCommand = z
  .object({
    name: bounded(256),
    parameters: userRecord(bounded(256), bounded(4096), { max: 256, what: 'parameters' }),
    account: slurmAccountName.optional(),
    site: siteName.optional(),
    defaultSite: siteName,
    dryRun: z.boolean(),
    requestId: requestIdSchema.optional(),
    ...callerFields,
  })
  .strict();
export type RunTemplateCommand = z.infer<typeof runTemplateCommand>;
/** The plan, and the run that was started (absent for a dry run). */
export const runTemplateReply = z.object({ plan: workflowPlanSchema, workflow: workflowRecordSchema.optional() });
export type RunTemplateReply = z.infer<typeof runTemplateReply>;
