import { pb, TEMPLATE_LIMITS } from '@cairn/contracts';
import { toPbTemplate, toRunTemplateCommand, toTemplateDraft } from './template.mapper';
import { refusal } from '@cairn/testing';

const T = pb.TemplateParameterType;
const parameter = (more: Partial<pb.TemplateParameter> = {}): pb.TemplateParameter => ({
  name: 'count',
  label: 'Count',
  description: '',
  type: T.TEMPLATE_PARAMETER_TYPE_INTEGER,
  choices: [],
  hasMinimum: true,
  minimum: 1,
  hasMaximum: false,
  maximum: 99,
  defaultValue: '',
  ...more,
});
const template = (more: Partial<pb.Template> = {}): pb.Template => ({ name: 'greet', title: 'Greet', description: '', source: 'x', parameters: [parameter()], version: 0, publishedBy: undefined, publishedAt: undefined, ...more });

describe('template mapper', () => {
  it('reads bounds only when they are set, and an unknown or unset type as UNSPECIFIED (the scheduler refuses it)', () => {
    const draft = toTemplateDraft({ template: template({ parameters: [parameter(), parameter({ type: 42 as pb.TemplateParameterType }), parameter({ type: T.TEMPLATE_PARAMETER_TYPE_UNSPECIFIED })] }) });
    expect(draft.parameters[0]).toEqual({ name: 'count', label: 'Count', description: '', type: 'INTEGER', choices: [], minimum: 1, defaultValue: '' });
    expect(draft.parameters.slice(1).map((p) => p.type)).toEqual(['UNSPECIFIED', 'UNSPECIFIED']);
  });

  it('refuses a missing template and bounds that are not finite numbers', () => {
    expect(refusal(() => toTemplateDraft({ template: undefined }))).toBe('INVALID_ARGUMENT: template: is required');
    expect(refusal(() => toTemplateDraft({ template: template({ parameters: [parameter({ minimum: Number.NaN })] }) }))).toBe('INVALID_ARGUMENT: template.parameters[0].minimum: must be a finite number');
  });

  it('round-trips a stored template to protobuf, with an empty source in listings', () => {
    const record = {
      name: 'greet',
      title: 'Greet',
      description: 'd',
      parameters: [{ name: 'size', label: '', description: '', type: 'CHOICE' as const, choices: ['a', 'b'], defaultValue: 'a' }],
      version: 3,
      publishedBy: { issuer: 'https://idp', subject: 's', name: 'carol', posixUser: 'carol' },
      publishedAt: '2026-12-01T10:00:00.000Z',
    };
    const pbTemplate = toPbTemplate(record);
    expect(pbTemplate.source).toBe('');
    expect(pbTemplate.parameters[0]).toEqual(expect.objectContaining({ type: T.TEMPLATE_PARAMETER_TYPE_CHOICE, hasMinimum: false, hasMaximum: false, choices: ['a', 'b'] }));
    expect(toTemplateDraft({ template: pbTemplate }).parameters).toEqual(record.parameters);
  });

  it('checks account, site and request id as SubmitWorkflow does, and bounds the number of values', () => {
    const run = (more: Partial<pb.RunTemplateRequest>) => toRunTemplateCommand({ name: 'greet', parameters: {}, account: '', site: '', dryRun: true, requestId: '', ...more }, 'dev');
    expect(run({ account: 'alice-lab', requestId: 'r.1', parameters: { count: '3' } })).toEqual({ name: 'greet', parameters: { count: '3' }, defaultSite: 'dev', dryRun: true, account: 'alice-lab', requestId: 'r.1' });
    expect(refusal(() => run({ account: 'no spaces' }))).toMatch(/^INVALID_ARGUMENT: account/);
    expect(refusal(() => run({ site: 'Bad Site' }))).toMatch(/^INVALID_ARGUMENT: site/);
    expect(refusal(() => run({ requestId: 'a b' }))).toMatch(/^INVALID_ARGUMENT: request_id/);
    const many = Object.fromEntries(Array.from({ length: TEMPLATE_LIMITS.maxParameters + 1 }, (_, i) => [`p${i}`, 'v']));
    expect(Object.keys(run({ parameters: Object.fromEntries(Object.entries(many).slice(1)) }).parameters)).toHaveLength(TEMPLATE_LIMITS.maxParameters);
    expect(refusal(() => run({ parameters: many }))).toMatch(/^INVALID_ARGUMENT: parameters: 65 values given/);
  });
});
