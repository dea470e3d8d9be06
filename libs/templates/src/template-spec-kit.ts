import type { TemplateDraft, TemplateParameter } from '@cairn/contracts';

/** A small workflow file with params of every kind, for the templates' specs. */
export const SOURCE = `# a greeting, repeated
version: 1
name: greet
params:
  greeting: hello   # what to say
  count: 3
  ratio: 0.5
  loud: false
  size: small
  tier: 2
steps:
  say:
    image: lab/busybox:1
    command: [echo, "\${{ params.greeting }}", "\${{ params.count }}"]
`;

export function parameter(name: string, type: TemplateParameter['type'], more: Partial<TemplateParameter> = {}): TemplateParameter {
  return { name, label: '', description: '', type, choices: [], defaultValue: '', ...more };
}

export const PARAMETERS: TemplateParameter[] = [
  parameter('greeting', 'STRING', { label: 'Greeting' }),
  parameter('count', 'INTEGER', { minimum: 1, maximum: 10 }),
  parameter('ratio', 'NUMBER', { minimum: 0, maximum: 1 }),
  parameter('loud', 'BOOLEAN'),
  parameter('size', 'CHOICE', { choices: ['small', 'large'] }),
  parameter('tier', 'CHOICE', { choices: ['1', '2', '3'] }),
];

export function draft(more: Partial<TemplateDraft> = {}): TemplateDraft {
  return { name: 'greet', title: 'Greet', description: 'Says hello.', source: SOURCE, parameters: PARAMETERS, ...more };
}
