import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { pb } from '@cairn/contracts';
import { UsageError } from './cli.errors';
import { allowed, parseParams, templateCommands } from './template.commands';

const T = pb.TemplateParameterType;
const parameter = (more: Partial<pb.TemplateParameter>): pb.TemplateParameter => ({
  name: 'count',
  label: '',
  description: '',
  type: T.TEMPLATE_PARAMETER_TYPE_INTEGER,
  choices: [],
  hasMinimum: false,
  minimum: 0,
  hasMaximum: false,
  maximum: 0,
  defaultValue: '3',
  ...more,
});
const greet: pb.Template = {
  name: 'greet',
  title: 'Greet',
  description: 'Says it.\nTwice.',
  source: 'version: 1\n',
  parameters: [parameter({ hasMinimum: true, minimum: 1, hasMaximum: true, maximum: 10, label: 'How many' }), parameter({ name: 'size', type: T.TEMPLATE_PARAMETER_TYPE_CHOICE, choices: ['small', 'large'], defaultValue: 'small' })],
  version: 2,
  publishedBy: { issuer: 'i', subject: 's', name: 'carol', posixUser: 'carol' },
  publishedAt: new Date('2026-12-01T20:00:00Z'),
};
const plan: pb.WorkflowPlan = { name: 'greet', site: 'dev', steps: [], slurmJobs: 1 };

async function run(args: string[], templates: pb.Template[] = [greet]) {
  const output: string[] = [];
  const runs: pb.RunTemplateRequest[] = [];
  const published: pb.Template[] = [];
  const deleted: string[] = [];
  const command = templateCommands({
    out: { write: (s) => void output.push(s), isTTY: false },
    client: () => ({
      listTemplates: async (request: Partial<pb.ListTemplatesRequest> = {}) => {
        // Two pages: the command follows next_page_token.
        const first = !request.pageToken;
        return { templates: first ? templates.slice(0, 1) : templates.slice(1), nextPageToken: first && templates.length > 1 ? 'next' : '' };
      },
      getTemplate: async () => greet,
      runTemplate: async (request: Partial<pb.RunTemplateRequest> & { name: string }) => {
        runs.push(request as pb.RunTemplateRequest);
        return { plan, workflow: request.dryRun ? undefined : ({ runId: 'run-1', name: 'greet', plan } as pb.Workflow) };
      },
      publishTemplate: async (t: Partial<pb.Template> & { name: string; source: string }) => {
        published.push(t as pb.Template);
        return { ...greet, ...t, version: 3 };
      },
      deleteTemplate: async (name: string) => {
        deleted.push(name);
      },
    }),
  });
  command.exitOverride();
  await command.parseAsync(args, { from: 'user' });
  return { text: stripVTControlCharacters(output.join('')), runs, published, deleted };
}

describe('cairn template', () => {
  it('lists every page of templates: name, title, version, parameters and publisher', async () => {
    const { text } = await run(['list'], [greet, { ...greet, name: 'other', parameters: [] }]);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +TITLE +VERSION +PARAMETERS +PUBLISHED BY$/);
    expect(lines[1]).toMatch(/^greet +Greet +2 +count, size +carol$/);
    expect(lines[2]).toMatch(/^other +Greet +2 +- +carol$/);
  });

  it('shows a template with its parameters, what each allows, and its file with --source', async () => {
    const { text } = await run(['show', 'greet']);
    expect(text).toContain('greet: Greet (version 2, by carol on 2026-12-01T20:00:00.000Z)\n\nSays it.\nTwice.\n');
    expect(text).toMatch(/count +INTEGER +3 +1\.\.10 +How many/);
    expect(text).toMatch(/size +CHOICE +small +small\|large/);
    expect((await run(['show', 'greet', '--source'])).text).toBe('version: 1\n');
  });

  it('runs with --param values (a value may hold "="), the account, site and request id; --dry-run prints the plan', async () => {
    const { text, runs } = await run(['run', 'greet', '-p', 'count=4', '--param', 'label=a=b', '--account', 'genomics', '--request-id', 'r1']);
    expect(runs).toEqual([{ name: 'greet', parameters: { count: '4', label: 'a=b' }, account: 'genomics', site: '', dryRun: false, requestId: 'r1' }]);
    expect(text).toMatch(/^submitted run-1 greet on dev: 0 steps, 1 Slurm job per pass\nfollow it: cairn workflow watch run-1\n$/);
    const dry = await run(['run', 'greet', '--dry-run']);
    expect(dry.runs[0]?.dryRun).toBe(true);
    expect(dry.text).toMatch(/^greet on site dev/);
  });

  it('refuses a --param without "=" or given twice', () => {
    expect(() => parseParams(['count'])).toThrow(UsageError);
    expect(() => parseParams(['=3'])).toThrow(UsageError);
    expect(() => parseParams(['count=1', 'count=2'])).toThrow('--param count: given twice');
    expect(parseParams(['__proto__=x', 'empty='])).toEqual({ ['__proto__']: 'x', empty: '' });
  });

  it('says what a parameter allows', () => {
    expect(allowed(parameter({ hasMinimum: true, minimum: 0 }))).toBe('>= 0');
    expect(allowed(parameter({ hasMaximum: true, maximum: 5 }))).toBe('<= 5');
    expect(allowed(parameter({ type: T.TEMPLATE_PARAMETER_TYPE_BOOLEAN }))).toBe('true|false');
    expect(allowed(parameter({}))).toBe('');
  });

  it('never shows the control characters a template could carry', async () => {
    const hostile = { ...greet, title: 'x\u001b[2J\u0007', parameters: [parameter({ label: 'a\u001b]0;t\u0007' })] };
    const { text } = await run(['list'], [hostile]);
    expect(Array.from(text).filter((c) => c !== '\n' && (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))).toEqual([]);
  });
});

describe('cairn template --json', () => {
  it('prints parameter types by name and times as ISO text; the list leaves the file out', async () => {
    const [line] = (await run(['list', '--json'])).text.trimEnd().split('\n');
    const listed = JSON.parse(line ?? '') as { name: string; source?: string; publishedAt: string; parameters: Array<{ type: string }> };
    expect(listed).toMatchObject({ name: 'greet', publishedAt: '2026-12-01T20:00:00.000Z', parameters: [{ type: 'INTEGER' }, { type: 'CHOICE' }] });
    expect(listed.source).toBeUndefined();
    expect(JSON.parse((await run(['show', 'greet', '--json'])).text)).toMatchObject({ source: 'version: 1\n' });
  });
});

describe('cairn template publish and delete', () => {
  it('publishes from a definition file with the workflow file beside it, and deletes by name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-template-def-'));
    writeFileSync(join(dir, 'greet.yaml'), 'version: 1\nname: greet\n');
    const definition = join(dir, 'greet.template.yaml');
    writeFileSync(
      definition,
      'name: greet\ntitle: Greet\nworkflow: greet.yaml\nparameters:\n  - { name: count, type: integer, minimum: 1, maximum: 5, label: How many }\n  - { name: tier, type: choice, choices: [1, 2] }\n',
    );
    const { text, published } = await run(['publish', definition]);
    expect(text).toBe('published greet version 3 (2 parameters)\n');
    expect(published).toEqual([
      expect.objectContaining({
        name: 'greet',
        title: 'Greet',
        description: '',
        source: 'version: 1\nname: greet\n',
        parameters: [
          expect.objectContaining({ name: 'count', type: T.TEMPLATE_PARAMETER_TYPE_INTEGER, hasMinimum: true, minimum: 1, hasMaximum: true, maximum: 5, label: 'How many', defaultValue: '' }),
          expect.objectContaining({ name: 'tier', type: T.TEMPLATE_PARAMETER_TYPE_CHOICE, choices: ['1', '2'], hasMinimum: false }),
        ],
      }),
    ]);
    const gone = await run(['delete', 'greet']);
    expect(gone.deleted).toEqual(['greet']);
    expect(gone.text).toBe('deleted greet\n');
  });

  it('refuses a definition with a bad field or a missing workflow file as bad usage, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-template-def-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: x\ntitle: X\nworkflow: w.yaml\nparameters: [{ name: a, type: text }]\ncolour: red\n');
    await expect(run(['publish', bad])).rejects.toThrow(UsageError);
    await expect(run(['publish', bad])).rejects.toThrow(/bad\.yaml: .*parameters\[0\]\.type.*unknown field "colour"|bad\.yaml: .*unknown field "colour".*parameters\[0\]\.type/);
    writeFileSync(bad, 'name: x\ntitle: X\nworkflow: missing.yaml\n');
    await expect(run(['publish', bad])).rejects.toThrow(/cannot read .*missing\.yaml: no such file/);
  });
});
