import type { ImagePrewarm, NatsRequester } from '@cairn/adapters/nats';
import { openDatabase, type TablesOf } from '@cairn/adapters/postgres';
import { auditMigrations } from '@cairn/audit-log';
import { CairnError, type ErrorCode, type ResolvedImage, subjects } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { as, freshEmbeddedDir, strictMock } from '@cairn/testing';
import { SITE } from './engine-spec-kit';
import { workflowMigrations } from './migrations';
import { WorkflowPlanningService } from './workflow-planning.service';
import { WorkflowRunService } from './workflow-run.service';
import { WorkflowStore } from './workflow.store';
import type { WorkflowDb } from './workflow.tables';

const pinnedOf = (reference: string, hex: string): ResolvedImage => ({ reference, pinned: `127.0.0.1:5000/${reference.split(':')[0]}@sha256:${hex.repeat(64)}`, digest: `sha256:${hex.repeat(64)}` });
const IMAGES: Record<string, ResolvedImage> = { 'lab/a:1': pinnedOf('lab/a:1', 'a'), 'lab/b:1': pinnedOf('lab/b:1', 'b') };
const FILE = `version: 1
name: two-images
defaults: { image: lab/a:1 }
steps:
  first: { command: [/bin/true] }
  second: { command: [/bin/true], image: lab/b:1, needs: [first] }
  third: { command: [/bin/true], needs: [second] }
`;

const refusal = (call: Promise<unknown>): Promise<CairnError> =>
  call.then(
    () => {
      throw new Error('not refused');
    },
    (error: unknown) => {
      if (error instanceof CairnError) return error;
      throw error;
    },
  );

describe('a run\'s images: all pinned for its site before anything is recorded, pre-warmed once it is [real: PGlite]', () => {
  let store: WorkflowStore;
  let runs: WorkflowRunService;
  let close: () => Promise<void>;
  const resolves: unknown[] = [];
  const prewarms: { site: string; images: readonly ResolvedImage[]; runId: string; stored: boolean }[] = [];
  let refuse: Partial<Record<string, CairnError>> = {};

  const requester = strictMock<NatsRequester>(
    {
      request: (async (subject: string, payload: { reference: string }) => {
        if (subject === subjects.site(SITE.site).describe) return SITE;
        if (subject !== subjects.images.resolve) throw new Error(`unexpected request on ${subject}`);
        resolves.push(payload);
        const refused = refuse[payload.reference];
        if (refused) throw refused;
        return IMAGES[payload.reference];
      }) as NatsRequester['request'],
    },
    'requester',
  );
  const prewarm: ImagePrewarm = {
    prewarm: (site, images, runId) => void store.run(runId).then((row) => prewarms.push({ site, images, runId, stored: row !== undefined })),
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
  const submit = (requestId?: string) => runs.submit({ source: FILE, fileName: 'w.yaml', defaultSite: SITE.site, ...as.alice, ...(requestId ? { requestId } : {}) });

  beforeAll(async () => {
    const database = await openDatabase<Record<never, never>>({ embeddedDir: await freshEmbeddedDir('wf-images-'), schema: 'scheduler', migrations: [workflowMigrations, auditMigrations] });
    store = new WorkflowStore(database.db.withTables<TablesOf<WorkflowDb>>());
    const wake = { wake: () => undefined };
    runs = new WorkflowRunService(store, new WorkflowPlanningService(requester, [SITE.site]), { engine: wake, outbox: wake }, createLogger('test', 'silent'), undefined, prewarm);
    close = database.close;
  });
  afterAll(() => close());
  beforeEach(() => {
    resolves.length = 0;
    prewarms.length = 0;
    refuse = {};
  });

  it('resolves each image once for the run\'s site, pins every step, and pre-warms each pinned image once the run is stored', async () => {
    const { plan, workflow } = await submit('images-1');
    expect(resolves).toEqual([
      { reference: 'lab/a:1', site: SITE.site },
      { reference: 'lab/b:1', site: SITE.site },
    ]);
    expect(plan.steps.map((s) => [s.path, s.imageDigest])).toEqual([
      ['first', IMAGES['lab/a:1']?.pinned],
      ['second', IMAGES['lab/b:1']?.pinned],
      ['third', IMAGES['lab/a:1']?.pinned],
    ]);
    await settle();
    expect(prewarms).toEqual([{ site: SITE.site, images: [IMAGES['lab/a:1'], IMAGES['lab/b:1']], runId: workflow.runId, stored: true }]);
    // The same request again finds the run: nothing is pre-warmed twice.
    await submit('images-1');
    await settle();
    expect(prewarms).toHaveLength(1);
  });

  it.each<[ErrorCode, ErrorCode | 'nothing', ErrorCode]>([
    ['NOT_FOUND', 'nothing', 'NOT_FOUND'],
    ['UNAVAILABLE', 'nothing', 'UNAVAILABLE'],
    ['PERMISSION_DENIED', 'NOT_FOUND', 'PERMISSION_DENIED'],
    ['UNAVAILABLE', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT'],
  ])('an image refused %s (the other: %s) refuses the run with %s, naming the steps; nothing is recorded or pre-warmed', async (a, b, code) => {
    refuse = { 'lab/a:1': new CairnError(a, `a: ${a}`), ...(b !== 'nothing' ? { 'lab/b:1': new CairnError(b, `b: ${b}`) } : {}) };
    const before = (await store.listRuns({ pageSize: 100, states: [], namePrefix: '' }, { all: true })).rows.length;
    const error = await refusal(submit());
    expect(error.code).toBe(code);
    expect(error.message.split('\n')).toEqual([`w.yaml: steps.first, steps.third: a: ${a}`, ...(b !== 'nothing' ? [`w.yaml: steps.second: b: ${b}`] : [])]);
    await settle();
    expect(prewarms).toEqual([]);
    expect((await store.listRuns({ pageSize: 100, states: [], namePrefix: '' }, { all: true })).rows).toHaveLength(before);
  });

  it('answers scheduler.runs.info for its runs: kind workflow, live until final, owner and account; unknown ids left out', async () => {
    const { workflow } = await submit('info-1');
    const unknown = '00000000-0000-4000-8000-000000000404';
    const owner = { issuer: as.alice.caller.issuer, subject: 'alice', name: 'alice', posixUser: 'alice' };
    expect(await store.runsInfo([unknown, workflow.runId])).toEqual([{ runId: workflow.runId, kind: 'workflow', live: true, owner, account: 'alice-lab' }]);
    await store.finishRun(workflow.runId, 'SUCCEEDED', '', new Date());
    expect(await store.runsInfo([workflow.runId])).toEqual([{ runId: workflow.runId, kind: 'workflow', live: false, owner, account: 'alice-lab' }]);
    expect(await store.runsInfo([])).toEqual([]);
  });
});
