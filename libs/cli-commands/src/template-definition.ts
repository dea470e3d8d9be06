import { formatIssues, pb } from '@cairn/contracts';
import { parse } from 'yaml';
import { z } from 'zod';
import { UsageError } from './cli.errors';

/**
 * A template definition file, as `cairn template publish` reads it (YAML or JSON): the
 * template's name, title and description, the workflow file (a path relative to the
 * definition) and its form. The gateway checks everything else and lists every problem.
 *
 *   name: greet
 *   title: Greet
 *   workflow: greet.yaml
 *   parameters:
 *     - { name: count, type: integer, minimum: 1, maximum: 5, label: How many }
 *     - { name: mode, type: choice, choices: [plain, fancy] }
 */
const TYPES = {
  string: pb.TemplateParameterType.TEMPLATE_PARAMETER_TYPE_STRING,
  integer: pb.TemplateParameterType.TEMPLATE_PARAMETER_TYPE_INTEGER,
  number: pb.TemplateParameterType.TEMPLATE_PARAMETER_TYPE_NUMBER,
  boolean: pb.TemplateParameterType.TEMPLATE_PARAMETER_TYPE_BOOLEAN,
  choice: pb.TemplateParameterType.TEMPLATE_PARAMETER_TYPE_CHOICE,
} as const;

const parameterDefinition = z
  .object({
    name: z.string(),
    type: z.enum(Object.keys(TYPES) as [keyof typeof TYPES, ...(keyof typeof TYPES)[]]),
    label: z.string().optional(),
    description: z.string().optional(),
    choices: z.array(z.union([z.string(), z.number()])).optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
  })
  .strict();

const templateDefinition = z
  .object({
    name: z.string(),
    title: z.string(),
    description: z.string().optional(),
    /** The workflow file, relative to the definition. */
    workflow: z.string().min(1),
    parameters: z.array(parameterDefinition).optional(),
  })
  .strict();

/** The definition's text as the template to publish (without its source) and the workflow file it names. */
export function readTemplateDefinition(text: string, file: string): { template: Omit<pb.Template, 'source'>; workflow: string } {
  let value: unknown;
  try {
    value = parse(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new UsageError(`${file}: not valid YAML: ${(error as Error).message.split('\n')[0] ?? ''}`);
  }
  const parsed = templateDefinition.safeParse(value);
  if (!parsed.success) throw new UsageError(`${file}: ${formatIssues(parsed.error.issues)}`);
  const d = parsed.data;
  return {
    workflow: d.workflow,
    template: {
      name: d.name,
      title: d.title,
      description: d.description ?? '',
      parameters: (d.parameters ?? []).map((p) => ({
        name: p.name,
        label: p.label ?? '',
        description: p.description ?? '',
        type: TYPES[p.type],
        choices: (p.choices ?? []).map(String),
        hasMinimum: p.minimum !== undefined,
        minimum: p.minimum ?? 0,
        hasMaximum: p.maximum !== undefined,
        maximum: p.maximum ?? 0,
        defaultValue: '',
      })),
      version: 0,
      publishedBy: undefined,
      publishedAt: undefined,
    },
  };
}
