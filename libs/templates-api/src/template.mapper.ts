import {
  CairnError,
  type ListTemplatesQuery,
  parseOrThrow,
  pb,
  requestIdSchema,
  type RunTemplateCommand,
  siteName,
  slurmAccountName,
  TEMPLATE_LIMITS,
  type TemplateDraft,
  type TemplateParameter,
  type TemplateParameterType,
  type TemplateRecord,
} from '@cairn/contracts';
import { pageRequest } from '@cairn/grpc-server';

/** Translation of workflow templates between Cairn's records and the public protobuf messages. */

const TYPE: Record<TemplateParameterType, pb.TemplateParameterType> = {
  STRING: pb.TemplateParameterType.TEMPLATE_PARAMETER_TYPE_STRING,
  INTEGER: pb.TemplateParameterType.TEMPLATE_PARAMETER_TYPE_INTEGER,
  NUMBER: pb.TemplateParameterType.TEMPLATE_PARAMETER_TYPE_NUMBER,
  BOOLEAN: pb.TemplateParameterType.TEMPLATE_PARAMETER_TYPE_BOOLEAN,
  CHOICE: pb.TemplateParameterType.TEMPLATE_PARAMETER_TYPE_CHOICE,
};
const TYPE_FROM_PB = new Map<number, TemplateParameterType>(Object.entries(TYPE).map(([k, v]) => [v, k as TemplateParameterType]));

/** A bound generous enough that the scheduler, not this mapper, reports what is wrong; larger is refused here. */
const MAX_LISTED = 1000;

export function toPbParameter(p: TemplateParameter): pb.TemplateParameter {
  return {
    name: p.name,
    label: p.label,
    description: p.description,
    type: p.type === 'UNSPECIFIED' ? pb.TemplateParameterType.TEMPLATE_PARAMETER_TYPE_UNSPECIFIED : TYPE[p.type],
    choices: p.choices,
    hasMinimum: p.minimum !== undefined,
    minimum: p.minimum ?? 0,
    hasMaximum: p.maximum !== undefined,
    maximum: p.maximum ?? 0,
    defaultValue: p.defaultValue,
  };
}

export function toPbTemplate(record: TemplateRecord): pb.Template {
  return {
    name: record.name,
    title: record.title,
    description: record.description,
    source: record.source ?? '',
    parameters: record.parameters.map(toPbParameter),
    version: record.version,
    publishedBy: { issuer: record.publishedBy.issuer, subject: record.publishedBy.subject, name: record.publishedBy.name, posixUser: record.publishedBy.posixUser },
    publishedAt: new Date(record.publishedAt),
  };
}

function bound(value: number, field: string): number {
  if (!Number.isFinite(value)) throw new CairnError('INVALID_ARGUMENT', `${field}: must be a finite number`);
  return value;
}

/** A PublishTemplateRequest's template as the scheduler's draft: shape only; the scheduler checks everything else and lists every problem. */
export function toTemplateDraft(request: pb.PublishTemplateRequest): TemplateDraft {
  const t = request.template;
  if (!t) throw new CairnError('INVALID_ARGUMENT', 'template: is required');
  if (t.parameters.length > MAX_LISTED) throw new CairnError('INVALID_ARGUMENT', `template.parameters: ${t.parameters.length} given; at most ${TEMPLATE_LIMITS.maxParameters}`);
  return {
    name: t.name,
    title: t.title,
    description: t.description,
    source: t.source,
    parameters: t.parameters.map((p, i) => {
      if (p.choices.length > MAX_LISTED) throw new CairnError('INVALID_ARGUMENT', `template.parameters[${i}].choices: ${p.choices.length} given; at most ${TEMPLATE_LIMITS.maxChoices}`);
      return {
        name: p.name,
        label: p.label,
        description: p.description,
        type: TYPE_FROM_PB.get(p.type) ?? 'UNSPECIFIED',
        choices: p.choices,
        ...(p.hasMinimum ? { minimum: bound(p.minimum, `template.parameters[${i}].minimum`) } : {}),
        ...(p.hasMaximum ? { maximum: bound(p.maximum, `template.parameters[${i}].maximum`) } : {}),
        defaultValue: p.defaultValue,
      };
    }),
  };
}

export function toListTemplatesQuery(request: pb.ListTemplatesRequest): Omit<ListTemplatesQuery, 'caller' | 'peer' | 'rpc'> {
  const { pageSize, pageToken } = pageRequest({ ...request, namePrefix: '' });
  return { pageSize, ...(pageToken ? { pageToken } : {}) };
}

/** A RunTemplateRequest as the scheduler's command, but for who calls (the controller adds that). */
export function toRunTemplateCommand(request: pb.RunTemplateRequest, defaultSite: string): Omit<RunTemplateCommand, 'caller' | 'peer' | 'rpc'> {
  const count = Object.keys(request.parameters).length;
  if (count > TEMPLATE_LIMITS.maxParameters) throw new CairnError('INVALID_ARGUMENT', `parameters: ${count} values given; a template has at most ${TEMPLATE_LIMITS.maxParameters} parameters`);
  return {
    name: request.name,
    parameters: request.parameters,
    defaultSite,
    dryRun: request.dryRun,
    // Checked here as SubmitWorkflow checks them, dry run or not.
    ...(request.account ? { account: parseOrThrow(slurmAccountName, request.account, 'account') } : {}),
    ...(request.site ? { site: parseOrThrow(siteName, request.site, 'site') } : {}),
    ...(request.requestId ? { requestId: parseOrThrow(requestIdSchema, request.requestId, 'request_id') } : {}),
  };
}
