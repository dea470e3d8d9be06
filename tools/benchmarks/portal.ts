/**
 * The portal's figures (issue 10): the production bundle's size (gzip and brotli, per asset
 * and total); the time to the first live state on a cold load in Chromium (a new context
 * opens a running run's page; until its streamed state is on screen), against the same
 * bundle's not-found page (no data, no stream) as the baseline; and the dashboard with
 * 10,000 runs in the list: time to render its first page and to page forward and back,
 * against bob's dashboard with one run (measured in turn), and the API's own ListWorkflows.
 *
 *   node -r ./tools/register.js tools/benchmarks/portal.ts --runs 7 --seed 10000
 *
 * The runs are seeded the cheapest honest way: one real run of a one-step workflow goes
 * through the gateway, scheduler, agent and Slurm; then its rows (the run and its step)
 * are copied N times into the stack's own test database (kysely) with new run ids and times, as
 * finished runs of alice's. The scheduler never picks them up (they are finished); the
 * gateway pages them from PostgreSQL as it would real ones.
 *
 * Prints a markdown report to stdout, progress to stderr; asserts nothing. Needs the dev
 * cluster (`bash tools/dev-cluster/dev-cluster.sh up`), run as root. Method and results:
 * docs/benchmarks.md.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { openDatabase } from '@cairn/adapters/postgres';
import { WorkflowsClient } from '@cairn/client';
import { pb } from '@cairn/contracts';
import { SCHEDULER_SCHEMA } from '@cairn/jobs';
import type { WorkflowDb } from '@cairn/workflows';
import { startCairnStack, WORKSPACE } from '@cairn/testing';
import { launchChromium, logIn, newContext, serverCertificate } from '@cairn/testing/browser';
import type { Browser, Page } from 'playwright-core';
import { fmt, median, now, positiveOption, progressLog, run, runMain, usageOnHelp, which } from './bench-kit';

const USAGE = `usage: node -r ./tools/register.js tools/benchmarks/portal.ts [options]
  --runs N     cold loads and page turns measured per figure (default 7; medians reported)
  --seed N     runs in alice's list for the dashboard figures (default 10000)
  --no-build   measure dist/apps/portal as it is (default: build it first)`;

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    seed: { type: 'string', default: '10000' },
    'no-build': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
usageOnHelp(opts.help, USAGE);
const RUNS = positiveOption('runs', opts.runs);
const SEED = positiveOption('seed', opts.seed);
const log = progressLog('portal');
const DIST = join(WORKSPACE, 'dist', 'apps', 'portal');
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const ms = (value: number) => `${fmt(value, 0)} ms`;

// ---------------------------------------------------------------------------------------
// The bundle
// ---------------------------------------------------------------------------------------

interface AssetSize {
  file: string;
  raw: number;
  gzip: number;
  brotli: number;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

async function bundleSizes(): Promise<AssetSize[]> {
  if (!opts['no-build']) {
    log('building the production bundle (npx nx run portal:build --skip-nx-cache)');
    await run(await which('npx'), ['nx', 'run', 'portal:build', '--skip-nx-cache', '--outputStyle=static']);
  }
  // Source maps are served to nobody's browser unless devtools ask: not part of a page load.
  return files(DIST)
    .filter((path) => !path.endsWith('.map'))
    .map((path) => {
      const data = readFileSync(path);
      return {
        file: relative(DIST, path),
        raw: data.length,
        gzip: gzipSync(data, { level: 9 }).length,
        brotli: brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
      };
    })
    .sort((a, b) => b.gzip - a.gzip);
}

// ---------------------------------------------------------------------------------------
// Browser timings
// ---------------------------------------------------------------------------------------

type Cookies = Awaited<ReturnType<Awaited<ReturnType<Browser['newContext']>>['cookies']>>;

/**
 * A cold load: a new context (empty cache, only the session cookie), `path` opened, until
 * `selector` is on screen. Returns the page's own clock then (ms since navigation start).
 */
async function coldLoad(browser: Browser, cookies: Cookies, url: string, until: (page: Page) => Promise<unknown>): Promise<number> {
  const context = await newContext(browser);
  await context.addCookies(cookies);
  const page = await context.newPage();
  try {
    await page.goto(url, { waitUntil: 'commit' });
    await until(page);
    return await page.evaluate<number>('performance.now()');
  } finally {
    await context.close();
  }
}

const firstRowHref = (page: Page) => page.locator('[data-testid="workflow-list"] tbody tr a[href^="/workflows/"]').first().getAttribute('href');

/** Clicks `button` and waits until the list's first row is another run; returns the wall time. */
async function turnPage(page: Page, button: 'Next page' | 'Previous page'): Promise<number> {
  const before = await firstRowHref(page);
  const t0 = now();
  // The workflows list's own pager (the jobs list has one too).
  await page.locator('section', { has: page.getByTestId('workflow-list') }).getByRole('button', { name: button }).click();
  // A selector, not a function: the portal's CSP forbids eval, which waitForFunction needs.
  await page.locator(`[data-testid="workflow-list"] tbody tr:first-child a[href^="/workflows/"]:not([href=${JSON.stringify(before ?? '')}])`).waitFor();
  return now() - t0;
}

/**
 * `count` copies of a finished run (its row and its steps' rows) in the scheduler's tables,
 * each with a new run id and times a second apart going back: alice's list, 10,000 deep.
 * Through kysely, in one transaction, 500 rows an insert.
 */
async function seedCopies(url: string, runId: string, count: number): Promise<void> {
  const database = await openDatabase<WorkflowDb>({ url, embeddedDir: '', schema: SCHEDULER_SCHEMA, migrations: [] });
  try {
    const { db } = database;
    const template = await db.selectFrom('workflow_runs').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
    const nodes = await db.selectFrom('workflow_nodes').selectAll().where('run_id', '=', runId).execute();
    const back = (date: Date | null, seconds: number) => (date === null ? null : new Date(date.getTime() - seconds * 1000));
    const json = (value: unknown) => (value === null ? null : JSON.stringify(value));
    await db.transaction().execute(async (tx) => {
      for (let from = 1; from <= count; from += 500) {
        const copies = Array.from({ length: Math.min(500, count - from + 1) }, (_, i) => ({ id: randomUUID(), n: from + i }));
        await tx
          .insertInto('workflow_runs')
          .values(
            copies.map(({ id, n }) => ({
              ...template,
              run_id: id,
              request_id: null,
              workflow: JSON.stringify(template.workflow),
              plan: JSON.stringify(template.plan),
              created_at: back(template.created_at, n) ?? template.created_at,
              updated_at: back(template.updated_at, n) ?? template.updated_at,
              ended_at: back(template.ended_at, n),
            })),
          )
          .execute();
        const nodeRows = copies.flatMap(({ id, n }) =>
          nodes.map(({ ord: _ord, ...node }) => ({
            ...node,
            run_id: id,
            items: json(node.items),
            item_exit: json(node.item_exit),
            started_at: back(node.started_at, n),
            ended_at: back(node.ended_at, n),
            updated_at: back(node.updated_at, n) ?? node.updated_at,
          })),
        );
        if (nodeRows.length > 0) await tx.insertInto('workflow_nodes').values(nodeRows).execute();
      }
    });
  } finally {
    await database.close();
  }
}

async function main(): Promise<void> {
  const assets = await bundleSizes();
  log(`bundle: ${assets.length} assets`);

  log('starting the stack with the portal');
  const stack = await startCairnStack({ portal: true });
  const portalUrl = stack.portalUrl ?? '';
  const workflows = new WorkflowsClient(stack.grpcAddress, stack.clientOptions('alice'));
  const browser = await launchChromium({ trustServerCertificates: [await serverCertificate(portalUrl, stack.ca)] });
  const out: string[] = [];
  try {
    const login = await newContext(browser);
    await logIn(await login.newPage(), portalUrl, { username: 'alice', password: stack.idp.users.alice.password }, '/');
    const cookies = await login.cookies();
    await login.close();

    // -- cold load of a running run's page ---------------------------------------------
    const sleeper = ['version: 1', 'name: bench-sleeper', 'defaults:', '  image: lab/busybox:1.36', 'steps:', '  wait:', '    command: [sleep, "600"]', ''].join('\n');
    const { workflow } = await workflows.submitWorkflow({ source: sleeper, fileName: 'sleeper.yaml' });
    const runId = workflow?.runId ?? '';
    log(`waiting for run ${runId}'s step to run`);
    for (;;) {
      const run = await workflows.getWorkflow(runId);
      if (run.steps[0]?.state === pb.StepState.STEP_STATE_RUNNING) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    const live: number[] = [];
    const notFound: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      // Alternate which goes first, so the machine's drift hits both.
      const pair = [
        async () => live.push(await coldLoad(browser, cookies, `${portalUrl}/workflows/${runId}`, (p) => p.locator('[data-testid="dag-node"][data-state="RUNNING"]').waitFor())),
        async () => notFound.push(await coldLoad(browser, cookies, `${portalUrl}/no/such/page`, (p) => p.getByRole('heading', { level: 1, name: 'Not found' }).waitFor())),
      ];
      for (const step of i % 2 === 0 ? pair : pair.reverse()) await step();
    }
    log(`first live state: median ${ms(median(live))}; not-found page ${ms(median(notFound))}`);
    await workflows.cancelWorkflow(runId);

    // -- the dashboard: alice with SEED runs, bob with one (the baseline, measured in turn) --
    const tiny = (name: string) => ['version: 1', `name: ${name}`, 'defaults:', '  image: lab/busybox:1.36', 'steps:', '  hello:', '    command: [echo, hello]', ''].join('\n');
    const bobFlows = new WorkflowsClient(stack.grpcAddress, stack.clientOptions('bob'));
    const ended = async (client: WorkflowsClient, id: string) => {
      while ((await client.getWorkflow(id)).state === pb.WorkflowState.WORKFLOW_STATE_RUNNING) await new Promise((r) => setTimeout(r, 300));
    };
    const seedRun = (await workflows.submitWorkflow({ source: tiny('bench-seed'), fileName: 'seed.yaml' })).workflow?.runId ?? '';
    const bobRun = (await bobFlows.submitWorkflow({ source: tiny('bench-bob'), fileName: 'bob.yaml' })).workflow?.runId ?? '';
    await ended(workflows, seedRun);
    await ended(bobFlows, bobRun);
    log(`seeding ${SEED} copies of run ${seedRun}`);
    const t0 = now();
    await seedCopies(stack.database.url, seedRun, SEED);
    const seedSeconds = (now() - t0) / 1000;
    log(`seeded in ${fmt(seedSeconds, 1)} s`);
    const aliceCount = SEED + 2; // the copies, the seed run and the sleeper
    const bobLogin = await newContext(browser);
    await logIn(await bobLogin.newPage(), portalUrl, { username: 'bob', password: stack.idp.users.bob.password }, '/');
    const bobCookies = await bobLogin.cookies();
    await bobLogin.close();

    const firstRow = (p: Page) => p.locator('[data-testid="workflow-list"] tbody tr a[href^="/workflows/"]').first().waitFor();
    const context = await newContext(browser);
    await context.addCookies(cookies);
    const page = await context.newPage();
    await page.goto(`${portalUrl}/`);
    await firstRow(page);
    const rows = await page.locator('[data-testid="workflow-list"] tbody tr').count();
    const timed = async (call: () => Promise<unknown>) => {
      const t1 = now();
      await call();
      return now() - t1;
    };
    const big = { render: [] as number[], api: [] as number[], apiNext: [] as number[], next: [] as number[], previous: [] as number[] };
    const small = { render: [] as number[], api: [] as number[] };
    for (let i = 0; i < RUNS; i += 1) {
      const pair = [
        async () => {
          big.render.push(await coldLoad(browser, cookies, `${portalUrl}/`, firstRow));
          big.api.push(await timed(() => workflows.listWorkflows({ pageSize: rows })));
          const first = await workflows.listWorkflows({ pageSize: rows });
          big.apiNext.push(await timed(() => workflows.listWorkflows({ pageSize: rows, pageToken: first.nextPageToken })));
        },
        async () => {
          small.render.push(await coldLoad(browser, bobCookies, `${portalUrl}/`, firstRow));
          small.api.push(await timed(() => bobFlows.listWorkflows({ pageSize: rows })));
        },
      ];
      for (const step of i % 2 === 0 ? pair : pair.reverse()) await step();
    }
    for (let i = 0; i < RUNS; i += 1) big.next.push(await turnPage(page, 'Next page'));
    for (let i = 0; i < RUNS; i += 1) big.previous.push(await turnPage(page, 'Previous page'));
    await context.close();
    bobFlows.close();

    // -- the report ----------------------------------------------------------------------
    const total = assets.reduce((acc, a) => ({ raw: acc.raw + a.raw, gzip: acc.gzip + a.gzip, brotli: acc.brotli + a.brotli }), { raw: 0, gzip: 0, brotli: 0 });
    out.push(`Chromium ${browser.version()}, ${RUNS} runs per figure (medians), ${new Date().toISOString().slice(0, 16)}Z`, '');
    out.push('| asset | raw | gzip -9 | brotli 11 |', '| --- | ---: | ---: | ---: |');
    for (const a of assets) out.push(`| \`${a.file}\` | ${kib(a.raw)} | ${kib(a.gzip)} | ${kib(a.brotli)} |`);
    out.push(`| **total** | ${kib(total.raw)} | **${kib(total.gzip)}** | ${kib(total.brotli)} |`, '');
    out.push('| cold load (new context, session cookie only) | median | min | max |', '| --- | ---: | ---: | ---: |');
    const row = (label: string, values: number[]) => `| ${label} | ${ms(median(values))} | ${ms(Math.min(...values))} | ${ms(Math.max(...values))} |`;
    out.push(row('running run\'s page until its DAG shows the step RUNNING', live));
    out.push(row('baseline: the not-found page until its h1 (same bundle and session check, no data)', notFound), '');
    out.push(`| dashboard (${rows} rows a page) | median | min | max |`, '| --- | ---: | ---: | ---: |');
    out.push(row(`cold load until the first row: alice, ${fmt(aliceCount)} runs`, big.render));
    out.push(row('baseline: cold load until the first row: bob, 1 run', small.render));
    out.push(row(`"Next page" until the next page's first row (alice, ${fmt(aliceCount)} runs)`, big.next));
    out.push(row('"Previous page" until the previous page\'s first row', big.previous));
    out.push(row(`API alone: ListWorkflows first page (${rows}), ${fmt(aliceCount)} runs`, big.api));
    out.push(row(`API alone: ListWorkflows second page (${rows}), ${fmt(aliceCount)} runs`, big.apiNext));
    out.push(row(`API alone: ListWorkflows first page (${rows}), 1 run`, small.api), '');
    out.push(`Seeding ${fmt(SEED)} runs (copies of one real run's rows, kysely, one transaction): ${fmt(seedSeconds, 1)} s.`);
  } finally {
    workflows.close();
    await browser.close();
    await stack.stop();
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

runMain(main);
