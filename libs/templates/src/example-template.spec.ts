import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TemplateParameter, TemplateParameterType } from '@cairn/contracts';
import { parse } from 'yaml';
import { checkTemplate } from './template-form';

/** examples/active-learning/template.yaml, which `npm run up` publishes as carol: it must pass publishing's checks. */
describe('the active-learning example template', () => {
  it('passes every check publishing makes, its parameters taking their defaults from the workflow file', () => {
    const dir = join(__dirname, '..', '..', '..', 'examples', 'active-learning');
    const definition = parse(readFileSync(join(dir, 'template.yaml'), 'utf8')) as {
      name: string;
      title: string;
      description: string;
      workflow: string;
      parameters: { name: string; type: string; label?: string; choices?: string[]; minimum?: number; maximum?: number }[];
    };
    const parameters: TemplateParameter[] = definition.parameters.map((p) => ({
      name: p.name,
      label: p.label ?? '',
      description: '',
      type: p.type.toUpperCase() as TemplateParameterType,
      choices: p.choices ?? [],
      ...(p.minimum === undefined ? {} : { minimum: p.minimum }),
      ...(p.maximum === undefined ? {} : { maximum: p.maximum }),
      defaultValue: '',
    }));
    const source = readFileSync(join(dir, definition.workflow), 'utf8');
    const { template, problems } = checkTemplate({ name: definition.name, title: definition.title, description: definition.description, source, parameters });
    expect(problems).toBeUndefined();
    expect(template?.parameters.map((p) => [p.name, p.defaultValue])).toEqual([
      ['strategy', 'uncertainty'],
      ['batch', '50'],
      ['initial', '20'],
      ['seed', '0'],
    ]);
  });
});
