import { openDatabase } from '@cairn/adapters/postgres';
import { auditMigrations } from '@cairn/audit-log';
import { CairnError, controlIndex, type PlanWorkflowCommand, RPC, type WorkflowPlan, type WorkflowRecord } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { as, freshEmbeddedDir } from '@cairn/testing';
import { parseWorkflow } from '@cairn/workflow-language';
import fc from 'fast-check';
import { templateMigrations } from './migrations';
import { MAX_CONCURRENT_RUNS, TemplateService } from './template.service';
import { TemplateStore } from './template.store';
import type { TemplateDb } from './template.tables';
import { draft, SOURCE } from './template-spec-kit';
import type { WorkflowSubmitter } from './workflow-submitter';

/** Records what a run sends to the workflow service (the real one is exercised in test/e2e/templates.int-spec.ts). */
class RecordingSubmitter implements WorkflowSubmitter {
  readonly sent: Array<{ kind: 'plan' | 'submit'; command: PlanWorkflowCommand; requestId?: string; account?: string }> = [];
  readonly plan_: WorkflowPlan = { name: 'greet', site: 'dev', steps: [], slurmJobs: 1 };
  plan(command: PlanWorkflowCommand): Promise<WorkflowPlan> {
    this.sent.push({ kind: 'plan', command });
    return Promise.resolve(this.plan_);
  }
  submit(command: PlanWorkflowCommand, requestId?: string, account?: string): Promise<{ plan: WorkflowPlan; workflow: WorkflowRecord }> {
    this.sent.push({ kind: 'submit', command, ...(requestId ? { requestId } : {}), ...(account ? { account } : {}) });
    return Promise.reject(new CairnError('FAILED_PRECONDITION', 'recorded only'));
  }
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'OK',
    (e: unknown) => (e instanceof CairnError ? `${e.code}: ${e.message}` : String(e)),
  );

describe('TemplateService [real: PGlite]', () => {
  let database: Awaited<ReturnType<typeof openDatabase<TemplateDb>>>;
  let service: TemplateService;
  let submitter: RecordingSubmitter;

  beforeAll(async () => {
    database = await openDatabase<TemplateDb>({ embeddedDir: await freshEmbeddedDir('templates-'), schema: 'scheduler', migrations: [auditMigrations, templateMigrations] });
    submitter = new RecordingSubmitter();
    service = new TemplateService(new TemplateStore(database.db), submitter, createLogger('templates-spec', 'silent'));
  });
  afterAll(() => database.close());

  const audits = (rpc: string) => database.db.selectFrom('audit_events').select(['name', 'outcome', 'ids', 'reason']).where('rpc', '=', rpc).orderBy('seq').execute();

  it('lets only admins publish; the refusal is audited and nothing is stored', async () => {
    expect(await codeOf(service.publish({ ...as.alice, template: draft() }))).toMatch(/^PERMISSION_DENIED: only admins may publish templates; alice is not an admin/);
    expect(await codeOf(service.get({ ...as.alice, name: 'greet' }))).toMatch(/^NOT_FOUND/);
    expect(await audits(RPC.publishTemplate)).toEqual([expect.objectContaining({ name: 'alice', outcome: 'PERMISSION_DENIED', ids: ['greet'] })]);
  });

  it('refuses a bad template with every problem, stores nothing, and audits the refusal', async () => {
    const message = await codeOf(service.publish({ ...as.carol, template: draft({ name: 'bad', title: '', source: 'version: 2\nname: x\nsteps: {}\n' }) }));
    expect(message).toMatch(/^INVALID_ARGUMENT: title: must not be empty\nsource:1:1: version: must be 1\nsource:3:1: steps: must have at least one step/);
    expect(await codeOf(service.get({ ...as.carol, name: 'bad' }))).toMatch(/^NOT_FOUND/);
    expect((await audits(RPC.publishTemplate)).at(-1)).toEqual(expect.objectContaining({ name: 'carol', outcome: 'INVALID_ARGUMENT' }));
  });

  it('publishes (version 1), replaces (version 2), lists by name without files, and gets with the file', async () => {
    const first = await service.publish({ ...as.carol, template: draft() });
    expect(first).toEqual(expect.objectContaining({ name: 'greet', version: 1, source: SOURCE, publishedBy: expect.objectContaining({ name: 'carol' }) }));
    const second = await service.publish({ ...as.carol, template: draft({ title: 'Greet again' }) });
    expect(second.version).toBe(2);
    for (const name of ['a-first', 'zz-last']) await service.publish({ ...as.carol, template: draft({ name }) });
    const page1 = await service.list({ ...as.bob, pageSize: 2 });
    expect(page1.templates.map((t) => [t.name, t.source])).toEqual([
      ['a-first', undefined],
      ['greet', undefined],
    ]);
    const page2 = await service.list({ ...as.bob, pageSize: 2, pageToken: page1.nextPageToken });
    expect(page2).toEqual({ templates: [expect.objectContaining({ name: 'zz-last' })], nextPageToken: '' });
    expect(await service.get({ ...as.bob, name: 'greet' })).toEqual(expect.objectContaining({ title: 'Greet again', version: 2, source: SOURCE }));
    expect(await codeOf(service.list({ ...as.bob, pageSize: 2, pageToken: 'forged' }))).toMatch(/^INVALID_ARGUMENT: page_token/);
    expect(await codeOf(service.get({ ...as.bob, name: 'Not A Name' }))).toMatch(/^INVALID_ARGUMENT: name/);
    expect((await audits(RPC.publishTemplate)).filter((a) => a.outcome === 'OK').map((a) => a.ids)).toEqual([
      ['greet', 'version 1'],
      ['greet', 'version 2'],
      ['a-first', 'version 1'],
      ['zz-last', 'version 1'],
    ]);
  });

  it('runs as the caller: the filled file goes to the workflow service with the caller, account, site, request id and RunTemplate', async () => {
    submitter.sent.length = 0;
    const dry = await service.run({ ...as.alice, name: 'greet', parameters: { greeting: 'x}} ${{ steps.a.outputs.b', count: '4' }, defaultSite: 'dev', dryRun: true });
    expect(dry).toEqual({ plan: submitter.plan_ });
    expect(await codeOf(service.run({ ...as.alice, name: 'greet', parameters: { loud: 'true' }, account: 'genomics', site: 'dev', defaultSite: 'dev', dryRun: false, requestId: 'r-1' }))).toMatch(/^FAILED_PRECONDITION: recorded only/);
    const [plan, submit] = submitter.sent;
    expect(plan?.kind).toBe('plan');
    expect(plan?.command).toEqual(expect.objectContaining({ caller: as.alice.caller, peer: as.alice.peer, rpc: RPC.runTemplate, fileName: 'templates/greet.yaml', defaultSite: 'dev' }));
    expect(parseWorkflow(plan?.command.source ?? '', 'x').params).toEqual(expect.objectContaining({ greeting: 'x}} ${{ steps.a.outputs.b', count: 4 }));
    expect(submit).toEqual(expect.objectContaining({ kind: 'submit', requestId: 'r-1', account: 'genomics' }));
    expect(submit?.command.site).toBe('dev');
    expect(parseWorkflow(submit?.command.source ?? '', 'x').params?.['loud']).toBe(true);
  });

  it('property: whatever text a STRING parameter gets, the submitted file\'s param is exactly it, or the run is refused and nothing is sent', async () => {
    const original = parseWorkflow(SOURCE, 'x');
    const text = fc.oneof(fc.string({ maxLength: 80, unit: 'binary' }), fc.string({ maxLength: 80, unit: fc.constantFrom('"', "'", '\\', '$', '{', '}', ':', '#', '\n', '\r', '\t', ' ', '-', '&', '*', '!', '|', 'a') }), fc.string({ minLength: 1020, maxLength: 1030, unit: 'grapheme-ascii' }));
    await fc.assert(
      fc.asyncProperty(text, async (value) => {
        submitter.sent.length = 0;
        const outcome = await codeOf(service.run({ ...as.bob, name: 'greet', parameters: { greeting: value }, defaultSite: 'dev', dryRun: true }));
        if (value.length <= 1024 && controlIndex(value) < 0 && !/[\u2028\u2029]/.test(value)) {
          expect(outcome).toBe('OK');
          const sent = parseWorkflow(submitter.sent[0]?.command.source ?? '', 'x');
          expect(sent).toEqual({ ...original, params: { ...original.params, greeting: value } });
        } else {
          expect(outcome).toMatch(/^INVALID_ARGUMENT: parameters\["greeting"\]: /);
          expect(submitter.sent).toEqual([]);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('refuses values that do not fit and unknown templates before anything is submitted, and audits the refusal', async () => {
    submitter.sent.length = 0;
    expect(await codeOf(service.run({ ...as.alice, name: 'greet', parameters: { count: '99', colour: 'red' }, defaultSite: 'dev', dryRun: false }))).toMatch(
      /^INVALID_ARGUMENT: parameters\["count"\]: must be at most 10, not 99\nparameters\["colour"\]: the template has no such parameter/,
    );
    expect(await codeOf(service.run({ ...as.alice, name: 'nope', parameters: {}, defaultSite: 'dev', dryRun: false }))).toMatch(/^NOT_FOUND: template "nope" not found/);
    expect(submitter.sent).toEqual([]);
    expect((await audits(RPC.runTemplate)).filter((a) => a.name === 'alice').map((a) => [a.name, a.outcome])).toEqual([
      ['alice', 'INVALID_ARGUMENT'],
      ['alice', 'NOT_FOUND'],
    ]);
  });

  it('lets only admins delete; NOT_FOUND for an unknown name; both audited', async () => {
    expect(await codeOf(service.delete({ ...as.bob, name: 'greet' }))).toMatch(/^PERMISSION_DENIED/);
    expect(await service.delete({ ...as.carol, name: 'greet' })).toEqual({ name: 'greet' });
    expect(await codeOf(service.delete({ ...as.carol, name: 'greet' }))).toMatch(/^NOT_FOUND/);
    expect(await codeOf(service.get({ ...as.alice, name: 'greet' }))).toMatch(/^NOT_FOUND/);
    expect((await audits(RPC.deleteTemplate)).map((a) => [a.name, a.outcome, a.ids])).toEqual([
      ['bob', 'PERMISSION_DENIED', ['greet']],
      ['carol', 'OK', ['greet', 'version 2']],
      ['carol', 'NOT_FOUND', ['greet']],
    ]);
  });

  it('pages through more templates than a page holds, each once, in name order', async () => {
    const names = Array.from({ length: 23 }, (_, i) => `many-${String(i).padStart(2, '0')}`);
    for (const name of names) await service.publish({ ...as.carol, template: draft({ name }) });
    const seen: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await service.list({ ...as.alice, pageSize: 5, ...(pageToken ? { pageToken } : {}) });
      seen.push(...page.templates.map((t) => t.name));
      pageToken = page.nextPageToken || undefined;
    } while (pageToken);
    expect(seen.filter((n) => n.startsWith('many-'))).toEqual(names);
    expect(seen).toEqual([...seen].sort());
  });

  it(`submits at most ${MAX_CONCURRENT_RUNS} template runs at once; one more is RESOURCE_EXHAUSTED at once, and runs again once one ends`, async () => {
    await service.publish({ ...as.carol, template: draft({ name: 'held' }) });
    const release: Array<() => void> = [];
    const held = new (class extends RecordingSubmitter {
      override plan(command: PlanWorkflowCommand): Promise<WorkflowPlan> {
        return new Promise((resolve) => release.push(() => resolve(super.plan(command))));
      }
    })();
    const busy = new TemplateService(new TemplateStore(database.db), held, createLogger('templates-spec', 'silent'));
    const dry = () => busy.run({ ...as.alice, name: 'held', parameters: {}, defaultSite: 'dev', dryRun: true });
    const running = Array.from({ length: MAX_CONCURRENT_RUNS }, dry);
    while (release.length < MAX_CONCURRENT_RUNS) await new Promise((resolve) => setImmediate(resolve));
    expect(await codeOf(dry())).toMatch(/^RESOURCE_EXHAUSTED: 16 template runs are being submitted/);
    for (const go of release.splice(0)) go();
    expect(await Promise.all(running)).toHaveLength(MAX_CONCURRENT_RUNS);
    const again = dry();
    while (release.length < 1) await new Promise((resolve) => setImmediate(resolve));
    release.splice(0).forEach((go) => go());
    expect(await again).toEqual({ plan: held.plan_ });
  });
});
