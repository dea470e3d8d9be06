import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditClient, TemplatesClient, WorkflowsClient } from '@cairn/client';
import { pb } from '@cairn/contracts';
import { type CairnStack, startCairnStack } from '@cairn/testing';
import { runCli } from './cli-login-helpers';
import { refusal } from './gateway-refusal';
import { ended, runState, waitForRun } from './workflow-helpers';


const T = pb.TemplateParameterType;
const parameter = (name: string, type: pb.TemplateParameterType, more: Partial<pb.TemplateParameter> = {}): pb.TemplateParameter => ({
  name,
  label: '',
  description: '',
  type,
  choices: [],
  hasMinimum: false,
  minimum: 0,
  hasMaximum: false,
  maximum: 0,
  defaultValue: '',
  ...more,
});

/** A curated pipeline: writes the greeting (exactly as given) and the count and mode it ran with. */
const SOURCE = (image: string) => `# Greets, as many times as asked.
version: 1
name: e2e-template-greet
defaults: { image: ${image}, resources: { cpus: 1, memory: 256M, time: 5m } }
params:
  greeting: hello
  count: 2
  mode: plain
steps:
  greet:
    command: [/bin/sh, -c, 'printf %s "$0" > greeting.txt; echo "$1 $2" > settings.txt', '\${{ params.greeting }}', '\${{ params.count }}', '\${{ params.mode }}']
    outputs: { greeting: greeting.txt }
`;

const PARAMETERS = [
  parameter('greeting', T.TEMPLATE_PARAMETER_TYPE_STRING, { label: 'Greeting', description: 'What to say' }),
  parameter('count', T.TEMPLATE_PARAMETER_TYPE_INTEGER, { hasMinimum: true, minimum: 1, hasMaximum: true, maximum: 5 }),
  parameter('mode', T.TEMPLATE_PARAMETER_TYPE_CHOICE, { choices: ['plain', 'fancy'] }),
];

describe('TemplateService end to end [real: dev IdP, gateway, scheduler, images, agent, nats-server, PostgreSQL, registry, slurmctld, slurmd, ch-run]', () => {
  let stack: CairnStack;
  let templates: Record<'alice' | 'carol', TemplatesClient>;
  let flows: WorkflowsClient;
  let audit: AuditClient;
  // The test image, as the other workflow specs name it (the stack's registry serves it).
  const source = SOURCE('lab/busybox:1.36');
  const since = new Date();

  beforeAll(async () => {
    stack = await startCairnStack();
    templates = { alice: new TemplatesClient(stack.grpcAddress, stack.clientOptions('alice')), carol: new TemplatesClient(stack.grpcAddress, stack.clientOptions('carol')) };
    flows = new WorkflowsClient(stack.grpcAddress, stack.clientOptions('alice'));
    audit = new AuditClient(stack.grpcAddress, stack.clientOptions('carol'));
  });
  afterAll(async () => {
    templates?.alice.close();
    templates?.carol.close();
    flows?.close();
    audit?.close();
    await stack?.stop();
  });

  const runsOfTemplate = async () => (await flows.listWorkflows({ namePrefix: 'e2e-template-greet', pageSize: 500 })).workflows;

  it('lets carol (admin) publish a template, and refuses alice with PERMISSION_DENIED', async () => {
    const published = await templates.carol.publishTemplate({ name: 'greet', title: 'Greet', description: 'Says it.', source, parameters: PARAMETERS });
    expect(published).toMatchObject({ name: 'greet', version: 1, source, publishedBy: { name: 'carol' } });
    expect(published.parameters.map((p) => [p.name, p.defaultValue])).toEqual([
      ['greeting', 'hello'],
      ['count', '2'],
      ['mode', 'plain'],
    ]);
    const denied = await refusal(() => templates.alice.publishTemplate({ name: 'mine', title: 'Mine', source, parameters: PARAMETERS }));
    expect(denied.codeName).toBe('PERMISSION_DENIED');
    expect((await refusal(() => templates.alice.getTemplate('mine'))).codeName).toBe('NOT_FOUND');
  });

  it('refuses a bad template with every problem (the file\'s at their line and column) and stores nothing', async () => {
    const bad = source.replace('  greet:\n', '  greet:\n    colour: red\n');
    const refused = await refusal(() =>
      templates.carol.publishTemplate({ name: 'broken', title: 'Broken', source: bad, parameters: [parameter('missing', T.TEMPLATE_PARAMETER_TYPE_STRING), parameter('count', T.TEMPLATE_PARAMETER_TYPE_BOOLEAN)] }),
    );
    expect(refused.codeName).toBe('INVALID_ARGUMENT');
    expect(refused.message.split('\n')).toEqual([
      'source:11:5: steps.greet.colour: unknown field "colour"',
      'parameters[0] ("missing").name: the file has no params entry "missing"',
      'parameters[1] ("count"): the file\'s default "2" is not true or false',
    ]);
    expect((await refusal(() => templates.carol.getTemplate('broken'))).codeName).toBe('NOT_FOUND');
  });

  it('shows alice the template in the list (without its file) and in full', async () => {
    const page = await templates.alice.listTemplates({ pageSize: 10 });
    expect(page.templates.map((t) => [t.name, t.title, t.source, t.parameters.length])).toEqual([['greet', 'Greet', '', 3]]);
    expect(page.nextPageToken).toBe('');
    const full = await templates.alice.getTemplate('greet');
    expect(full.source).toBe(source);
    expect(full.parameters[1]).toMatchObject({ name: 'count', type: T.TEMPLATE_PARAMETER_TYPE_INTEGER, hasMinimum: true, minimum: 1, hasMaximum: true, maximum: 5, defaultValue: '2' });
    expect((await refusal(() => templates.alice.getTemplate('no-such'))).codeName).toBe('NOT_FOUND');
  });

  it('plans a dry run with alice\'s values and starts nothing', async () => {
    const dry = await templates.alice.runTemplate({ name: 'greet', parameters: { count: '3' }, dryRun: true });
    expect(dry.workflow).toBeUndefined();
    expect(dry.plan).toMatchObject({ name: 'e2e-template-greet', site: stack.site, steps: [{ path: 'greet' }], slurmJobs: 1 });
    expect(await runsOfTemplate()).toEqual([]);
  });

  it('refuses values that do not fit, naming each, and submits nothing', async () => {
    const refused = await refusal(() => templates.alice.runTemplate({ name: 'greet', parameters: { count: '9', mode: 'loud', colour: 'red', greeting: 'two\nlines' } }));
    expect(refused.codeName).toBe('INVALID_ARGUMENT');
    expect(refused.message).toContain('parameters["count"]: must be at most 5, not 9');
    expect(refused.message).toContain('parameters["mode"]: must be one of "plain", "fancy"; not "loud"');
    expect(refused.message).toContain('parameters["colour"]: the template has no such parameter');
    expect(refused.message).toContain('parameters["greeting"]: contains a newline');
    expect((await refusal(() => templates.alice.runTemplate({ name: 'greet', account: 'ops' }))).codeName).toBe('PERMISSION_DENIED');
    expect(await runsOfTemplate()).toEqual([]);
  });

  it('runs the template for alice on Slurm with her values, owned by her and charged to her default account', async () => {
    const greeting = 'x}} ${{ steps.greet.outputs.greeting }} "quoted" $HOME';
    const started = await templates.alice.runTemplate({ name: 'greet', parameters: { greeting, count: '4', mode: 'fancy' }, requestId: 'e2e-template-run-1' });
    const runId = started.workflow?.runId ?? '';
    expect(started.workflow).toMatchObject({ name: 'e2e-template-greet', fileName: 'templates/greet.yaml', owner: { name: 'alice' }, account: 'alice-lab' });
    // The same request id again: the same run, nothing new.
    expect((await templates.alice.runTemplate({ name: 'greet', parameters: { greeting, count: '4', mode: 'fancy' }, requestId: 'e2e-template-run-1' })).workflow?.runId).toBe(runId);

    const run = await waitForRun(flows, runId, ended, 180_000);
    expect(runState(run.state)).toBe('SUCCEEDED');
    const dir = join(stack.dir, 'agent', 'runs', runId, 'greet');
    expect(readFileSync(join(dir, 'greeting.txt'), 'utf8')).toBe(greeting);
    expect(readFileSync(join(dir, 'settings.txt'), 'utf8')).toBe('4 fancy\n');
    const job = await stack.client.getJob(run.steps[0]?.jobIds[0] ?? '');
    expect(job.spec?.command.slice(3)).toEqual([greeting, '4', 'fancy']);
    expect(job.owner?.name).toBe('alice');
    expect(job.account).toBe('alice-lab');
    expect((await runsOfTemplate()).map((w) => w.runId)).toEqual([runId]);
  }, 240_000);

  it('records the run as RunTemplate in the audit log, and the refusals', async () => {
    const events = (await audit.list({ since, pageSize: 500 })).events.filter((e) => e.rpc.startsWith('/cairn.v1.TemplateService/'));
    const seen = events.map((e) => `${e.posixUser} ${e.rpc.replace('/cairn.v1.TemplateService/', '')} ${e.outcome}`);
    expect(seen).toEqual(
      expect.arrayContaining(['carol PublishTemplate OK', 'alice PublishTemplate PERMISSION_DENIED', 'carol PublishTemplate INVALID_ARGUMENT', 'alice RunTemplate INVALID_ARGUMENT', 'alice RunTemplate OK']),
    );
  });

  it('lists, shows and dry-runs the template for alice with `cairn template`; a bad value is exit 2; carol publishes from a definition file, alice may not', async () => {
    const home = mkdtempSync(join(tmpdir(), 'cairn-template-cli-'));
    const caFile = join(home, 'ca.pem');
    writeFileSync(caFile, stack.ca, { mode: 0o644 });
    const tokenFile = join(home, 'alice.token');
    writeFileSync(tokenFile, stack.tokens.alice, { mode: 0o600 });
    const env = { XDG_CONFIG_HOME: home, CAIRN_ISSUER: stack.idp.issuer, CAIRN_GATEWAY: stack.grpcAddress, CAIRN_GRPC_CA: caFile };
    const cairn = (...args: string[]) => runCli(['--token-file', tokenFile, 'template', ...args], env);
    const list = await cairn('list');
    expect(list.stderr).toBe('');
    expect(list.stdout).toMatch(/^NAME +TITLE +VERSION +PARAMETERS +PUBLISHED BY\ngreet +Greet +1 +greeting, count, mode +carol\n$/);
    expect((await cairn('show', 'greet')).stdout).toMatch(/count +INTEGER +2 +1\.\.5/);
    const dry = await cairn('run', 'greet', '--param', 'count=3', '--param', 'greeting=a=b', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^e2e-template-greet on site /);
    const bad = await cairn('run', 'greet', '--param', 'count=99');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('parameters["count"]: must be at most 5, not 99');
    expect((await runsOfTemplate()).length).toBe(1);
    // Publishing from a definition file: carol may (a new version), alice may not.
    writeFileSync(join(home, 'greet.yaml'), source);
    writeFileSync(join(home, 'greet.template.yaml'), 'name: greet\ntitle: Greet\nworkflow: greet.yaml\nparameters:\n  - { name: count, type: integer, minimum: 1, maximum: 5 }\n');
    const carolToken = join(home, 'carol.token');
    writeFileSync(carolToken, stack.tokens.carol, { mode: 0o600 });
    const denied = await cairn('publish', join(home, 'greet.template.yaml'));
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('PERMISSION_DENIED: only admins may publish templates');
    const published = await runCli(['--token-file', carolToken, 'template', 'publish', join(home, 'greet.template.yaml')], env);
    expect(published.stderr).toBe('');
    expect(published.stdout).toBe('published greet version 2 (1 parameter)\n');
    // Back to the three-parameter form for what follows.
    await templates.carol.publishTemplate({ name: 'greet', title: 'Greet', description: 'Says it.', source, parameters: PARAMETERS });
  }, 60_000);

  it('lets carol delete the template (alice may not); the run made from it stays', async () => {
    expect((await refusal(() => templates.alice.deleteTemplate('greet'))).codeName).toBe('PERMISSION_DENIED');
    await templates.carol.deleteTemplate('greet');
    expect((await refusal(() => templates.alice.getTemplate('greet'))).codeName).toBe('NOT_FOUND');
    expect((await refusal(() => templates.carol.deleteTemplate('greet'))).codeName).toBe('NOT_FOUND');
    expect((await refusal(() => templates.alice.runTemplate({ name: 'greet' }))).codeName).toBe('NOT_FOUND');
    expect((await templates.alice.listTemplates()).templates).toEqual([]);
    expect(await runsOfTemplate()).toHaveLength(1);
  });
});
