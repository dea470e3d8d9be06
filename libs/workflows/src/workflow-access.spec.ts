import { auditMigrations, AuditStore, type AuditDb } from '@cairn/audit-log';
import { CairnError, type Called } from '@cairn/contracts';
import { openDatabase, type TablesOf } from '@cairn/adapters/postgres';
import { createLogger } from '@cairn/logging';
import { as, freshEmbeddedDir, principals } from '@cairn/testing';
import { SITE, specPlanning } from './engine-spec-kit';
import { workflowMigrations } from './migrations';
import { WorkflowRunService } from './workflow-run.service';
import { WorkflowStore } from './workflow.store';
import type { WorkflowDb } from './workflow.tables';

const refusal = async (call: Promise<unknown>): Promise<CairnError> => {
  try {
    await call;
  } catch (error) {
    if (error instanceof CairnError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

const file = (name: string) => `version: 1\nname: ${name}\ndefaults: { image: lab/busybox:1.36 }\nsteps:\n  a: { command: [/bin/true] }\n`;

describe('who sees and touches which workflow run [real: PGlite]', () => {
  let store: WorkflowStore;
  let audit: AuditStore;
  let runs: WorkflowRunService;
  let close: () => Promise<void>;
  const planning = specPlanning();
  const wake = { wake: () => undefined };

  beforeAll(async () => {
    const database = await openDatabase<Record<never, never>>({ embeddedDir: await freshEmbeddedDir('wf-access-'), schema: 'scheduler', migrations: [workflowMigrations, auditMigrations] });
    store = new WorkflowStore(database.db.withTables<TablesOf<WorkflowDb>>());
    audit = new AuditStore(database.db.withTables<TablesOf<AuditDb>>());
    const limits = { jobsPerPerson: 10, jobsPerProject: 10, workflowsPerPerson: 3, workflowsPerProject: 4 };
    runs = new WorkflowRunService(store, planning, { engine: wake, outbox: wake }, createLogger('test', 'silent'), limits);
    close = database.close;
  });
  afterAll(() => close());

  const submit = async (name: string, who: Called, account?: string, requestId?: string) =>
    (await runs.submit({ source: file(name), fileName: 'w.yaml', defaultSite: SITE.site, ...who, ...(account ? { account } : {}), ...(requestId ? { requestId } : {}) })).workflow;

  it('records owner and account, answers someone else\'s run like a missing one, lets a member read but not cancel', async () => {
    const lab = await submit('lab', as.alice);
    const shared = await submit('shared', as.alice, 'genomics');
    expect([lab.owner.subject, lab.account, shared.account]).toEqual(['alice', 'alice-lab', 'genomics']);
    const missing = '00000000-0000-4000-8000-000000000404';
    for (const call of [(id: string) => runs.get(id, as.bob), (id: string) => runs.cancel(id, as.bob)]) {
      const hidden = await refusal(call(lab.runId));
      const absent = await refusal(call(missing));
      expect(hidden.code).toBe('NOT_FOUND');
      expect(hidden.message.replace(lab.runId, '<id>')).toBe(absent.message.replace(missing, '<id>'));
    }
    expect((await runs.get(shared.runId, as.bob)).runId).toBe(shared.runId);
    expect((await refusal(runs.cancel(shared.runId, as.bob))).code).toBe('PERMISSION_DENIED');
    expect((await store.run(shared.runId))?.cancel_requested_at).toBeNull();
    await runs.cancel(shared.runId, as.carol);
    expect((await store.run(shared.runId))?.cancel_requested_at).not.toBeNull();
    const list = async (who: Called) => (await runs.list({ ...who, pageSize: 1, states: [] })).workflows.length;
    expect(await list(as.bob)).toBe(1);
    const bobs = (await runs.list({ ...as.bob, pageSize: 50, states: [] })).workflows.map((w) => w.runId);
    expect(bobs).toEqual([shared.runId]);
    const trail = (await audit.list({ pageSize: 50 })).events;
    // (Records of one millisecond have no order among themselves: compared as a set.)
    expect(trail.filter((e) => e.ids.includes(lab.runId)).map((e) => `${e.subject} ${e.rpc} ${e.outcome}`).sort()).toEqual([
      'alice /cairn.v1.WorkflowService/SubmitWorkflow OK',
      'bob /cairn.v1.WorkflowService/CancelWorkflow NOT_FOUND',
      'bob /cairn.v1.WorkflowService/GetWorkflow NOT_FOUND',
    ]);
  });

  it('refuses an account the caller lacks, and keeps request ids per person', async () => {
    const stolen = await refusal(submit('stolen', as.bob, 'alice-lab'));
    expect(stolen.code).toBe('PERMISSION_DENIED');
    expect(stolen.message).toContain('"alice-lab"');
    const hers = await submit('req', as.alice, 'genomics', 'same-key');
    const his = await submit('req', as.bob, undefined, 'same-key');
    expect(his.runId).not.toBe(hers.runId);
    expect((await submit('req', as.bob, undefined, 'same-key')).runId).toBe(his.runId);
  });

  it('refuses one more running run than a person or a project may have (RESOURCE_EXHAUSTED)', async () => {
    const frank = { caller: { ...principals.bob, subject: 'frank', name: 'frank', accounts: ['chem'], projects: ['chem'] }, peer: 'p' };
    const gina = { caller: { ...principals.bob, subject: 'gina', name: 'gina', accounts: ['chem'], projects: ['chem'] }, peer: 'p' };
    for (const n of [1, 2, 3]) await submit(`f${n}`, frank);
    const person = await refusal(submit('f4', frank));
    expect(person.code).toBe('RESOURCE_EXHAUSTED');
    expect(person.message).toContain('frank has 3 workflow runs still running, the most one person may have (3, CAIRN_MAX_RUNNING_WORKFLOWS_PER_PERSON)');
    await submit('g1', gina);
    const project = await refusal(submit('g2', gina));
    expect(project.message).toContain('account chem has 4 workflow runs still running, the most one project may have (4, CAIRN_MAX_RUNNING_WORKFLOWS_PER_PROJECT)');
  });

  it('holds the limits exactly when submissions arrive together: of 8 at once by one person, 3 run and 5 are refused; a project\'s limit the same', async () => {
    const hana = { caller: { ...principals.bob, subject: 'hana', name: 'hana', accounts: ['phys'], projects: ['phys'] }, peer: 'p' };
    const ivan = { caller: { ...principals.bob, subject: 'ivan', name: 'ivan', accounts: ['phys'], projects: ['phys'] }, peer: 'p' };
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => submit(`h${i}`, hana)));
    const codes = (all: PromiseSettledResult<unknown>[]) => all.map((o) => (o.status === 'fulfilled' ? 'OK' : o.reason instanceof CairnError ? o.reason.code : String(o.reason))).sort();
    expect(codes(outcomes)).toEqual(['OK', 'OK', 'OK', ...Array.from({ length: 5 }, () => 'RESOURCE_EXHAUSTED')]);
    // The project (limit 4) has 3 of hana's: of ivan's 6 at once, one runs.
    expect(codes(await Promise.allSettled(Array.from({ length: 6 }, (_, i) => submit(`i${i}`, ivan))))).toEqual(['OK', ...Array.from({ length: 5 }, () => 'RESOURCE_EXHAUSTED')]);
    const running = await store.runningCounts({ issuer: hana.caller.issuer, subject: 'hana' }, 'phys');
    expect(running).toEqual({ owner: 3, account: 4 });
  });
});
