import { type Database, openDatabase } from '@cairn/adapters/postgres';
import { auditMigrations } from '@cairn/audit-log';
import { CairnError, type Called } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { createTestDatabase, principals, type TestDatabase } from '@cairn/testing';
import { SITE, specPlanning } from '../src/engine-spec-kit';
import { workflowMigrations } from '../src/migrations';
import { WorkflowRunService } from '../src/workflow-run.service';
import { WorkflowStore } from '../src/workflow.store';
import type { WorkflowDb } from '../src/workflow.tables';

const LIMITS = { jobsPerPerson: 10, jobsPerProject: 10, workflowsPerPerson: 3, workflowsPerProject: 5 };
const file = (name: string) => `version: 1\nname: ${name}\ndefaults: { image: lab/busybox:1.36 }\nsteps:\n  a: { command: [/bin/true] }\n`;
const person = (subject: string): Called => ({ caller: { ...principals.bob, subject, name: subject, accounts: ['phys'], projects: ['phys'] }, peer: 'p' });

describe('workflow run limits under concurrent submissions [real: PostgreSQL 15 server]', () => {
  let database: TestDatabase;
  let opened: Database<WorkflowDb>;
  let store: WorkflowStore;
  let runs: WorkflowRunService;

  beforeAll(async () => {
    database = await createTestDatabase();
    opened = await openDatabase<WorkflowDb>({ url: database.url, embeddedDir: '/nonexistent', schema: 'scheduler', migrations: [workflowMigrations, auditMigrations] });
    store = new WorkflowStore(opened.db);
    const wake = { wake: () => undefined };
    runs = new WorkflowRunService(store, specPlanning(), { engine: wake, outbox: wake }, createLogger('test', 'silent'), LIMITS);
  });
  afterAll(async () => {
    await opened?.close();
    await database?.drop();
  });

  const outcomes = async (who: Called, count: number, prefix: string) => {
    const settled = await Promise.allSettled(Array.from({ length: count }, (_, i) => runs.submit({ source: file(`${prefix}${i}`), fileName: 'w.yaml', defaultSite: SITE.site, ...who })));
    return settled.map((o) => (o.status === 'fulfilled' ? 'OK' : o.reason instanceof CairnError ? o.reason.code : String(o.reason))).sort();
  };

  it('of 16 submissions at once by one person, exactly the limit run (each on its own pool connection); a project’s limit the same; a run that ends frees its place', async () => {
    const hana = person('hana');
    expect(await outcomes(hana, 16, 'h')).toEqual(['OK', 'OK', 'OK', ...Array.from({ length: 13 }, () => 'RESOURCE_EXHAUSTED')]);
    expect(await outcomes(person('ivan'), 16, 'i')).toEqual(['OK', 'OK', ...Array.from({ length: 14 }, () => 'RESOURCE_EXHAUSTED')]);
    expect(await store.runningCounts({ issuer: hana.caller.issuer, subject: 'hana' }, 'phys')).toEqual({ owner: 3, account: 5 });
    // One of hana's is cancelled and ends: one place in the project again, taken by one of ivan's 16.
    const [first] = (await runs.list({ ...hana, pageSize: 1, states: [] })).workflows;
    await store.finishRun(first?.runId ?? '', 'CANCELLED', 'cancelled', new Date());
    expect(await outcomes(person('ivan'), 16, 'j')).toEqual(['OK', ...Array.from({ length: 15 }, () => 'RESOURCE_EXHAUSTED')]);
  });
});
