import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SlurmAccountingRepository } from '@cairn/adapters/slurm';
import { ProcessRepository } from '@cairn/adapters/process';
import { ProvenanceClient, TemplatesClient } from '@cairn/client';
import { pb } from '@cairn/contracts';
import { waitFor, WORKSPACE } from '@cairn/testing';
import { expectAccessible, JWT_PATTERN, launchChromium, logIn, newContext, readableByScript, screenshot, serverCertificate, signInAtIdp, type ViewportName } from '@cairn/testing/browser';
import type { Page } from 'playwright-core';
import { spec, submit, waitForState } from './job-helpers';
import { dagStates, editorText, listedRunIds, type Person, type PortalPage, runStateName, setEditorText, usePortalSuite } from './portal-helpers';

// The portal in Debian's Chromium against the whole stack (dev IdP, gateway with the portal
// server, scheduler, agent, real Slurm): what issue 10's "Tests" list asks, in one browser
// suite with one stack. The other portal suites (sessions, accessibility) share its helpers.
const suite = usePortalSuite();
const LIVE_RUN_MS = 300_000;
/** A one-step run named like the example: bob's own, for his lists. */
const TINY_RUN = ['version: 1', 'name: active-learning', 'defaults:', '  image: lab/busybox:1.36', 'steps:', '  hello:', '    command: [echo, hello]', ''].join('\n');

/** State of the run page's overall badge. */
const workflowState = (page: Page) => page.getByTestId('workflow-state').getAttribute('data-state');

/** alice's active-learning run (the first test's) and its prepare step's job: later suites look at them. */
let aliceRun = '';
let aliceJob = '';

describe('the portal in a real browser', () => {

  it('alice logs in at the IdP page, submits the active-learning example from the editor, and watches its DAG and metrics live until SUCCEEDED; a step\'s job shows its output', async () => {
    const before = await listedRunIds(suite.workflows('alice'));
    const { page, problems, close } = await suite.open('alice', '/submit?example=active-learning');
    const example = readFileSync(join(WORKSPACE, 'examples', 'active-learning', 'workflow.yaml'), 'utf8');
    await page.locator('.cm-content').waitFor();
    await waitFor('the example in the editor', async () => ((await editorText(page)).includes('name: active-learning') ? true : undefined), 10_000, 100);
    expect((await editorText(page)).trim()).toBe(example.trim());
    expect(await page.getByLabel('Slurm account').inputValue()).toBe('alice-lab');

    await page.getByRole('button', { name: 'Submit workflow' }).click();
    await page.waitForURL(/\/workflows\/[^/?#]+$/);
    aliceRun = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    expect(await listedRunIds(suite.workflows('alice'))).toEqual(expect.arrayContaining([...before, aliceRun]));

    // Watch without reloading: every change the page draws, as it happens.
    let reloads = 0;
    page.on('load', () => (reloads += 1));
    const seenStates: Record<string, string[]> = {};
    const seenPoints: number[] = [];
    const seenRun: string[] = [];
    const deadline = Date.now() + LIVE_RUN_MS;
    for (;;) {
      const run = (await workflowState(page)) ?? '';
      if (seenRun.at(-1) !== run) seenRun.push(run);
      for (const [key, state] of Object.entries(await dagStates(page))) {
        const states = (seenStates[key] ??= []);
        if (states.at(-1) !== state) states.push(state);
      }
      const chart = page.getByTestId('metrics-chart');
      if ((await chart.count()) > 0) {
        const points = Number((await chart.first().getAttribute('data-points')) ?? '0');
        if (seenPoints.at(-1) !== points) seenPoints.push(points);
      }
      if (run === 'SUCCEEDED' || run === 'FAILED' || run === 'CANCELLED') break;
      if (Date.now() > deadline) throw new Error(`run ${aliceRun} still ${run} on the page: ${JSON.stringify(seenStates)}`);
      await page.waitForTimeout(200);
    }
    const api = await suite.workflows('alice').getWorkflow(aliceRun);
    expect(seenRun.at(-1)).toBe('SUCCEEDED');
    expect(runStateName(api.state)).toBe('SUCCEEDED');
    expect(reloads).toBe(0);
    // Live: the page showed the run and its steps before they were done, then done.
    expect(seenRun[0]).not.toBe('SUCCEEDED');
    expect(seenStates['prepare']?.length).toBeGreaterThan(1);
    expect(seenStates['prepare']?.at(-1)).toBe('SUCCEEDED');
    // The chart grew point by point (one iteration's metrics at a time) while the run went on.
    expect(seenPoints.length).toBeGreaterThan(1);
    expect(seenPoints).toEqual([...seenPoints].sort((a, b) => a - b));
    const metrics = api.iterations.flatMap((i) => Object.keys(i.metrics ?? {}));
    expect(seenPoints.at(-1)).toBeGreaterThanOrEqual(api.iterations.length);
    expect(metrics.length).toBeGreaterThan(0);

    await screenshot(page, 'workflow-run', { fullPage: true });
    // A step's job, through its link in the DAG: its output as the API has it.
    await page.locator('[data-testid="dag-node"][data-key="prepare"] a').first().click();
    await page.waitForURL(/\/jobs\/[^/?#]+$/);
    aliceJob = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    expect(aliceJob).toBe(api.steps.find((s) => s.key === 'prepare')?.jobIds[0]);
    const stdout = page.getByTestId('job-stdout');
    await waitFor('the job output on the page', async () => ((await stdout.innerText()).includes('prepare: pool of 5000') ? true : undefined), 30_000, 200);
    const output = Buffer.from((await suite.stack().clients.alice.getJobOutput({ jobId: aliceJob, maxBytes: 65_536 })).data).toString();
    expect((await stdout.innerText()).trim()).toBe(output.trim());
    expect(await page.getByTestId('job-state').getAttribute('data-state')).toBe('COMPLETED');
    await screenshot(page, 'job');

    // The browser holds no token: nothing script can read looks like one.
    expect(JWT_PATTERN.test(await readableByScript(page))).toBe(false);
    problems.check();
    await close();
  });

  it("alice opens the run's provenance from its page: the graph has the run, its steps, the image and files; she walks upstream from an output file; bob reads \"No such run\"", async () => {
    expect(aliceRun).not.toBe('');
    const provenance = new ProvenanceClient(suite.stack().grpcAddress, suite.stack().clientOptions('alice'));
    try {
      // The service records the run from its events: wait until it has them all.
      const graph = await waitFor('the run\'s provenance to be complete', async () => {
        const g = await provenance.getRunGraph(aliceRun).catch(() => undefined);
        return g?.complete ? g : undefined;
      }, 120_000, 500);
      const { page, problems, close } = await suite.open('alice', `/workflows/${aliceRun}`);
      await page.getByRole('link', { name: 'Provenance', exact: true }).click();
      await page.waitForURL(new RegExp(`/provenance/${aliceRun}$`));
      await page.getByTestId('prov-graph').waitFor();
      await waitFor('the graph drawn', async () => ((await page.locator('[aria-busy="true"]').count()) === 0 ? true : undefined), 30_000, 100);
      const drawn = async () => {
        const out: { id: string; kind: string; type: string }[] = [];
        for (const node of await page.getByTestId('prov-node').all()) {
          out.push({ id: (await node.getAttribute('data-id')) ?? '', kind: (await node.getAttribute('data-kind')) ?? '', type: (await node.getAttribute('data-type')) ?? '' });
        }
        return out;
      };
      const nodes = await drawn();
      // Everything the API has for the run is drawn (no array step here, so nothing is grouped), each with its class.
      expect(new Set(nodes.map((n) => n.id))).toEqual(new Set(graph.nodes.map((n) => n.id)));
      expect(nodes).toEqual(expect.arrayContaining([{ id: `run:${aliceRun}`, kind: 'activity', type: 'run' }]));
      const types = new Set(nodes.map((n) => n.type));
      for (const type of ['run', 'step', 'job', 'image', 'file', 'workflow-file', 'params', 'person']) expect(types).toContain(type);
      expect(nodes.find((n) => n.type === 'image')?.kind).toBe('entity');
      expect(nodes.find((n) => n.type === 'person')?.kind).toBe('agent');

      // Export PROV-JSON: ExportRun streamed into a download of the run's PROV-JSON.
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export PROV-JSON' }).click()]);
      expect(download.suggestedFilename()).toMatch(/\.json$/);
      const exported = readFileSync(await download.path(), 'utf8');
      const prov = JSON.parse(exported) as Record<string, unknown>;
      expect(Object.keys(prov)).toEqual(expect.arrayContaining(['entity', 'activity', 'agent']));
      await page.locator('[data-testid="export-status"][data-status="done"]').waitFor();

      // An output file: its facts in the panel are the API's.
      const model = graph.nodes.find((n) => n.type === 'file' && n.id.endsWith('/model.npz'));
      expect(model?.attributes['sha256']).toMatch(/^[0-9a-f]{64}$/);
      const file = page.locator(`[data-testid="prov-node"][data-id="${model?.id ?? ''}"]`);
      // Keyboard: the node is a button reached by Tab; Enter selects it.
      await file.focus();
      await page.keyboard.press('Enter');
      const panel = page.getByTestId('prov-panel');
      await page.locator(`[data-testid="prov-panel"][data-id="${model?.id ?? ''}"]`).waitFor();
      expect((await panel.locator('dd[data-attribute="sha256"]').innerText()).trim()).toBe(model?.attributes['sha256']);
      await screenshot(page, 'provenance', { fullPage: true });

      // Upstream from it: what the page draws is the API's walk (depth 3), from the file to the job that made it, the image and pool.npz it used.
      await panel.getByRole('button', { name: 'Upstream', exact: true }).click();
      await page.locator('nav[aria-label="Walk"] [aria-current="step"]', { hasText: 'Upstream of' }).waitFor();
      await page.locator(`[data-testid="prov-node"].prov-start[data-id="${model?.id ?? ''}"]`).waitFor();
      await waitFor('the walk drawn', async () => ((await page.locator('[aria-busy="true"]').count()) === 0 ? true : undefined), 30_000, 100);
      const walk = await provenance.lineageAll({ nodeId: model?.id ?? '' }, { direction: 'upstream', maxDepth: 3 });
      const upstream = await drawn();
      expect(new Set(upstream.map((n) => n.id))).toEqual(new Set(walk.nodes.map((n) => n.id)));
      expect(upstream.map((n) => n.type)).toEqual(expect.arrayContaining(['job', 'image']));
      expect(upstream.some((n) => n.id.endsWith('/prepare/pool.npz'))).toBe(true);
      await screenshot(page, 'provenance-upstream', { fullPage: true });
      // Back along the breadcrumb: the run's graph again.
      await page.locator('nav[aria-label="Walk"]').getByRole('button', { name: /^Run / }).click();
      await page.locator(`[data-testid="prov-node"][data-id="run:${aliceRun}"]`).waitFor();
      problems.check();
      await close();

      // bob: alice's run does not exist for him.
      const bob = await suite.open('bob', `/provenance/${aliceRun}`);
      await bob.page.getByText('No such run (or not yours)').waitFor();
      expect(await bob.page.getByTestId('prov-graph').count()).toBe(0);
      bob.problems.check();
      await bob.close();
    } finally {
      provenance.close();
    }
  });

  it("alice sees the image her run used on the images page, with her run linked, and resolves its reference to the same digest; bob sees the image, never her run", async () => {
    expect(aliceJob).not.toBe('');
    // The job ran the example's image pinned: registry/repository@sha256:<hex>.
    const pinned = (await suite.stack().clients.alice.getJob(aliceJob)).imageDigest;
    const digest = pinned.slice(pinned.indexOf('@') + 1);
    const row = (page: Page) => page.locator(`[data-testid="image-row"][data-digest="${digest}"]`);
    const { page, problems, close } = await suite.open('alice', '/images');
    await row(page).locator(`a[href="/provenance/${aliceRun}"]`).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('image-quota').innerText()).toMatch(/ of .* used \(\d+ %\)/);
    await page.getByLabel('Image reference').fill('lab/cairn-examples:1');
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByTestId('resolved-pinned').waitFor();
    expect(await page.getByTestId('resolved-pinned').innerText()).toBe(pinned);
    expect(await page.getByTestId('resolved-platform').innerText()).toMatch(/^linux\/\w+/);
    // alice is no administrator: no Evict button.
    expect(await page.getByRole('button', { name: /^Evict / }).count()).toBe(0);
    await screenshot(page, 'images', { fullPage: true });
    problems.check();
    await close();

    const bob = await suite.open('bob', '/images');
    await row(bob.page).waitFor({ timeout: 60_000 });
    expect(await bob.page.locator(`a[href="/provenance/${aliceRun}"]`).count()).toBe(0);
    expect(await bob.page.locator(`a[href="/provenance/${aliceJob}"]`).count()).toBe(0);
    expect(await bob.page.locator('main').innerText()).not.toContain(aliceRun.slice(0, 8));
    bob.problems.check();
    await bob.close();
  });

  it("bob cannot see alice's run in any list or by its URL; carol (admin) can", async () => {
    expect(aliceRun).not.toBe('');
    // bob's own run of the same name: his lists show it (so they have loaded), never hers.
    const { workflow } = await suite.workflows('bob').submitWorkflow({ source: TINY_RUN, fileName: 'active-learning.yaml', requestId: '' });
    const bobRun = workflow?.runId ?? '';
    const bob = await suite.open('bob', '/');
    await bob.page.locator(`[data-testid="workflow-list"] a[href="/workflows/${bobRun}"]`).waitFor();
    expect(await bob.page.locator(`a[href="/workflows/${aliceRun}"]`).count()).toBe(0);
    await bob.page.goto(suite.url('/experiments?name=active-learning'));
    await bob.page.locator(`a[href="/workflows/${bobRun}"]`).first().waitFor();
    expect(await bob.page.locator(`a[href="/workflows/${aliceRun}"]`).count()).toBe(0);
    expect(await bob.page.getByText(aliceRun).count()).toBe(0);
    await bob.page.goto(suite.url(`/workflows/${aliceRun}`));
    await bob.page.getByText('No such run').waitFor();
    expect(await bob.page.getByTestId('workflow-state').count()).toBe(0);
    await bob.page.goto(suite.url(`/jobs/${aliceJob}`));
    await bob.page.getByText(/No such job/).waitFor();
    expect(await bob.page.getByTestId('job-stdout').count()).toBe(0);
    // bob is no administrator: the admin pages say so, and the API would refuse him anyway.
    await bob.page.goto(suite.url('/admin/work'));
    await bob.page.getByRole('heading', { level: 1, name: 'Administrators only' }).waitFor();
    expect(await bob.page.locator(`a[href="/workflows/${aliceRun}"]`).count()).toBe(0);
    bob.problems.check();
    await bob.close();

    const carol = await suite.open('carol', '/admin/work');
    await carol.page.locator(`a[href="/workflows/${aliceRun}"]`).first().waitFor();
    await carol.page.goto(suite.url(`/workflows/${aliceRun}`));
    await carol.page.getByTestId('workflow-state').waitFor();
    expect(await workflowState(carol.page)).toBe('SUCCEEDED');
    carol.problems.check();
    await carol.close();
  });

  it('a workflow with a mistake shows the error at its line in the editor, and nothing is submitted', async () => {
    const before = await listedRunIds(suite.workflows('alice'));
    const { page, close } = await suite.open('alice', '/submit?example=active-learning');
    await page.locator('.cm-content').waitFor();
    // Line 6: a field the schema does not know (found as you type).
    await setEditorText(page, ['version: 1', 'name: broken', 'steps:', '  hello:', '    image: lab/busybox:1.36', '    comand: [echo, hi]', ''].join('\n'));
    const problems = page.getByTestId('editor-problems');
    await problems.getByText(/^Line 6, column \d+: /).first().waitFor();
    // Line 7: a reference to a step that does not exist (schema-valid: the server finds it).
    await setEditorText(page, ['version: 1', 'name: broken', 'defaults:', '  image: lab/busybox:1.36', 'steps:', '  hello:', '    command: [echo, "${{ steps.nowhere.outputs.x }}"]', ''].join('\n'));
    await page.getByRole('button', { name: 'Submit workflow' }).click();
    await problems
      .getByText(/^Line 7, column \d+: .*nowhere/)
      .first()
      .waitFor()
      .catch(async (e: Error) => {
        throw new Error(`${e.message}\nthe problems list: ${await problems.innerText().catch(() => '(none)')}\nthe page: ${await page.locator('main').innerText()}`);
      });
    // CodeMirror marks the same line.
    expect(await page.locator('.cm-lintRange-error, .cm-lint-marker-error').count()).toBeGreaterThan(0);
    expect(new URL(page.url()).pathname).toBe('/submit');
    expect(await listedRunIds(suite.workflows('alice'))).toEqual(before);
    await close();
  });

  it('Cancel job in the portal cancels the Slurm job', async () => {
    const jobId = await submit(suite.stack().clients.alice, spec({ name: 'portal-cancel', command: ['/bin/sh', '-c', 'sleep 600'] }));
    const running = await waitForState(suite.stack().clients.alice, jobId, pb.JobState.JOB_STATE_RUNNING, 120_000);
    const { page, problems, close } = await suite.open('alice', `/jobs/${jobId}`);
    await page.locator('[data-testid="job-state"][data-state="RUNNING"]').waitFor();
    await expect(page.getByText(running.slurmJobId, { exact: false }).first().innerText()).resolves.toContain(running.slurmJobId);
    await page.getByRole('button', { name: 'Cancel job', exact: true }).click();
    await page.getByRole('button', { name: 'Yes, cancel job' }).click();
    await page.locator('[data-testid="job-state"][data-state="CANCELLED"]').waitFor({ timeout: 60_000 });
    // Slurm itself: no longer in the queue, and accounting says CANCELLED.
    const accounting = new SlurmAccountingRepository(new ProcessRepository());
    const record = await waitFor(`sacct to show Slurm job ${running.slurmJobId} cancelled`, async () => {
      const found = await accounting.job(running.slurmJobId);
      return found?.stateClass === 'CANCELLED' ? found : undefined;
    }, 60_000, 500);
    expect(record.user).toBe('alice');
    problems.check();
    await close();
  });

  it("the dashboard shows each person's run limits as meters, as GetJobUsage and GetWorkflowUsage say: alice's job counts toward her and her account; bob sees only his own and genomics'", async () => {
    const alice = suite.stack().clients.alice;
    const jobId = await submit(alice, spec({ name: 'portal-limits', command: ['/bin/sh', '-c', 'sleep 600'] }));
    try {
      const usage = await alice.getJobUsage();
      expect(usage.person?.used).toBeGreaterThanOrEqual(1);
      const { page, problems, close } = await suite.open('alice', '/');
      const meter = (name: string) => page.getByRole('meter', { name, exact: true });
      await waitFor('her jobs counted on the page', async () => ((await meter('jobs not yet finished: you (alice)').getAttribute('aria-valuenow')) === String(usage.person?.used) ? true : undefined), 30_000, 100);
      expect(await meter('jobs not yet finished: you (alice)').getAttribute('aria-valuemax')).toBe(String(usage.person?.limit));
      for (const project of usage.projects) {
        expect(await meter(`jobs not yet finished: account ${project.name}`).getAttribute('aria-valuetext')).toBe(`${project.used} of ${project.limit}`);
      }
      expect(usage.projects.map((p) => p.name)).toEqual(['alice-lab', 'genomics']);
      expect(await meter('workflow runs running: you (alice)').getAttribute('aria-valuemax')).toBe('100');
      await screenshot(page, 'dashboard-limits');
      problems.check();
      await close();

      const bob = await suite.open('bob', '/');
      await bob.page.getByRole('meter').first().waitFor();
      const names = await bob.page.getByRole('meter').evaluateAll((meters) => meters.map((m) => m.getAttribute('aria-label')));
      expect(names).toEqual(['jobs not yet finished: you (bob)', 'jobs not yet finished: account genomics', 'workflow runs running: you (bob)', 'workflow runs running: account genomics']);
      bob.problems.check();
      await bob.close();
    } finally {
      await alice.cancelJob(jobId);
    }
  });

  it('Cancel run in the portal cancels the run and its running step\'s Slurm job', async () => {
    const source = ['version: 1', 'name: portal-cancel-run', 'defaults:', '  image: lab/busybox:1.36', 'steps:', '  wait:', '    command: [sleep, "600"]', ''].join('\n');
    const { workflow } = await suite.workflows('alice').submitWorkflow({ source, fileName: 'cancel.yaml', requestId: '' });
    const runId = workflow?.runId ?? '';
    const jobId = await waitFor('the step\'s job', async () => (await suite.workflows('alice').getWorkflow(runId)).steps[0]?.jobIds[0], 60_000, 300);
    const running = await waitForState(suite.stack().clients.alice, jobId, pb.JobState.JOB_STATE_RUNNING, 120_000);
    const { page, problems, close } = await suite.open('alice', `/workflows/${runId}`);
    await page.locator('[data-testid="dag-node"][data-key="wait"][data-state="RUNNING"]').waitFor();
    await page.getByRole('button', { name: 'Cancel run', exact: true }).click();
    await page.getByRole('button', { name: 'Yes, cancel the run' }).click();
    await page.locator('[data-testid="workflow-state"][data-state="CANCELLED"]').waitFor({ timeout: 60_000 });
    const accounting = new SlurmAccountingRepository(new ProcessRepository());
    await waitFor(`sacct to show Slurm job ${running.slurmJobId} cancelled`, async () => ((await accounting.job(running.slurmJobId))?.stateClass === 'CANCELLED' ? true : undefined), 60_000, 500);
    expect(runStateName((await suite.workflows('alice').getWorkflow(runId)).state)).toBe('CANCELLED');
    problems.check();
    await close();
  });
});

/** Waits until the page shows what it is for (its data loaded), by route. */
async function ready(page: Page, path: string): Promise<void> {
  await page.locator('h1').first().waitFor();
  const wanted: [RegExp, string][] = [
    [/^\/$/, '[data-testid="workflow-list"]'],
    [/^\/workflows\//, '[data-testid="workflow-state"]'],
    [/^\/jobs\//, '[data-testid="job-state"]'],
    [/^\/provenance\//, '[data-testid="prov-graph"]'],
    [/^\/submit/, '.cm-content'],
    [/^\/experiments/, '[data-testid="metrics-chart"]'],
    [/^\/templates$/, 'a[href="/templates/active-learning"]'],
    [/^\/templates\/./, 'form select'],
    [/^\/admin\/work/, '[data-testid="workflow-list"] a[href^="/workflows/"]'],
    [/^\/admin\/audit/, 'table tbody tr'],
    [/^\/admin\/templates/, 'a[href*="active-learning"], td'],
  ];
  const selector = wanted.find(([re]) => re.test(path))?.[1];
  if (selector) await page.locator(selector).first().waitFor();
  // No waitForFunction: it evaluates a string, which the portal's CSP (no unsafe-eval) refuses.
  await waitFor(`${path} to finish loading`, async () => ((await page.locator('[aria-busy="true"]').count()) === 0 ? true : undefined), 30_000, 100);
}

describe('every page is accessible and readable at 1280 and 390 px', () => {
  const pages = (): [Person, string, string][] => [
    ['alice', '/', 'dashboard'],
    ['alice', '/submit?example=active-learning', 'submit'],
    // Their screenshots are taken in the first suite, while the run is on screen.
    ['alice', `/workflows/${listedRun()}`, ''],
    ['alice', `/jobs/${listedJob()}`, ''],
    ['alice', `/provenance/${listedRun()}`, ''],
    ['alice', '/experiments?name=active-learning', 'experiments'],
    ['alice', '/templates', 'templates'],
    ['alice', '/templates/active-learning', 'template'],
    // Its screenshot is taken in the first suite, with alice's run in the table.
    ['alice', '/images', ''],
    ['carol', '/images', ''],
    ['carol', '/admin', 'admin'],
    ['carol', '/admin/work', 'admin-work'],
    ['carol', '/admin/audit', 'admin-audit'],
    ['carol', '/admin/sites', 'admin-sites'],
    ['carol', '/admin/templates', 'admin-templates'],
    ['alice', '/admin', ''],
    ['alice', '/no/such/page', 'not-found'],
  ];
  let run = '';
  let job = '';
  const listedRun = () => run;
  const listedJob = () => job;
  beforeAll(async () => {
    if (!aliceRun || !aliceJob) throw new Error('alice has no active-learning run with a prepare job (the first suite makes it)');
    run = aliceRun;
    job = aliceJob;
    // A curated pipeline for the templates pages: the active-learning example with three knobs.
    const parameter = (name: string, type: pb.TemplateParameterType, more: Partial<pb.TemplateParameter>): pb.TemplateParameter => ({
      name, label: '', description: '', type, choices: [], hasMinimum: false, minimum: 0, hasMaximum: false, maximum: 0, defaultValue: '', ...more,
    });
    const T = pb.TemplateParameterType;
    const templates = new TemplatesClient(suite.stack().grpcAddress, suite.stack().clientOptions('carol'));
    try {
      await templates.publishTemplate({
        name: 'active-learning',
        title: 'Active learning (MLP, uncertainty sampling)',
        description: 'Trains a small model, labels the points it is least sure of, and repeats until it is accurate enough.',
        source: readFileSync(join(WORKSPACE, 'examples', 'active-learning', 'workflow.yaml'), 'utf8'),
        parameters: [
          parameter('strategy', T.TEMPLATE_PARAMETER_TYPE_CHOICE, { label: 'Sampling strategy', description: 'uncertainty, or random as the baseline', choices: ['uncertainty', 'random'] }),
          parameter('batch', T.TEMPLATE_PARAMETER_TYPE_INTEGER, { label: 'Points labelled per iteration', hasMinimum: true, minimum: 10, hasMaximum: true, maximum: 500 }),
          parameter('seed', T.TEMPLATE_PARAMETER_TYPE_INTEGER, { label: 'Random seed', hasMinimum: true, minimum: 0 }),
        ],
      });
    } finally {
      templates.close();
    }
  });

  it.each<ViewportName>(['desktop', 'phone'])('at the %s width: no serious or critical axe-core violation, one h1, the main nav, no sideways scrolling', async (viewport) => {
    const failures: string[] = [];
    const sessions = new Map<Person, PortalPage>();
    for (const [person, path, name] of pages()) {
      let session = sessions.get(person);
      if (!session) {
        session = await suite.open(person, path, viewport);
        sessions.set(person, session);
      } else await session.page.goto(suite.url(path));
      const { page } = session;
      await ready(page, path);
      await expectAccessible(page, `${path} at ${viewport}`).catch((e: Error) => failures.push(e.message));
      const h1 = await page.locator('h1').count();
      if (h1 !== 1) failures.push(`${path} at ${viewport}: ${h1} h1 elements`);
      if ((await page.locator('nav[aria-label="Main"]').count()) !== 1) failures.push(`${path} at ${viewport}: no <nav aria-label="Main">`);
      const sideways = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      if (sideways > 0) failures.push(`${path} at ${viewport}: the page scrolls sideways by ${sideways} px`);
      if (viewport === 'desktop' && name) await screenshot(page, name);
    }
    for (const session of sessions.values()) {
      failures.push(...session.problems.problems);
      await session.close();
    }
    expect(failures).toEqual([]);
  });
});

describe('a session that ends while a form is being filled', () => {
  it('sends the person to the login page and back, with what they typed still there', async () => {
    // A second gateway of the same stack whose portal sessions end 20 s after login.
    const extra = await suite.stack().startExtraGateway({ CAIRN_PORTAL_SESSION_MAX_SECONDS: '20' });
    const browser = await launchChromium({ trustServerCertificates: [await serverCertificate(extra.portalUrl, suite.stack().ca)] });
    try {
      const context = await newContext(browser);
      const page = await context.newPage();
      await logIn(page, extra.portalUrl, suite.credentials('alice'), '/submit');
      await page.locator('.cm-content').waitFor();
      const marker = `draft-${Date.now()}`;
      const draft = ['version: 1', `name: ${marker}`, 'defaults:', '  image: lab/busybox:1.36', 'steps:', '  hello:', '    command: [echo, kept]', ''].join('\n');
      await setEditorText(page, draft);
      // Really expired: the portal itself says so.
      await waitFor('the portal session to end', async () => {
        const answer = await page.evaluate<{ authenticated: boolean }>(`fetch('/auth/session').then((r) => r.json())`);
        return answer.authenticated ? undefined : true;
      }, 60_000, 1000);
      // Every page load of the tab, redirects included (/auth/login, the IdP, the callback).
      const loads: URL[] = [];
      page.on('request', (request) => {
        if (request.isNavigationRequest() && request.frame() === page.mainFrame()) loads.push(new URL(request.url()));
      });
      const portal = new URL(extra.portalUrl).origin;
      // Act: the dry run's API call is refused (UNAUTHENTICATED) and the app sends her to log in.
      await page.getByRole('button', { name: 'Dry run' }).click();
      await waitFor('the app to send her to the login page', async () => (loads.some((u) => u.origin === portal && u.pathname === '/auth/login') ? true : undefined), 30_000, 100);
      // The IdP may still know her (its own session) and send her straight back; else she signs in again.
      await page.waitForURL((url) => url.pathname.startsWith('/interaction/') || (url.origin === portal && loads.at(-1)?.pathname === '/submit'));
      if (new URL(page.url()).pathname.startsWith('/interaction/')) await signInAtIdp(page, extra.portalUrl, suite.credentials('alice'));
      await page.waitForURL((url) => url.origin === portal && url.pathname === '/submit');
      await page.locator('.cm-content').waitFor();
      expect(loads.find((u) => u.pathname === '/auth/login')?.searchParams.get('returnTo')).toBe('/submit');
      await waitFor('the draft back in the editor', async () => ((await editorText(page)).includes(marker) ? true : undefined), 10_000, 100);
      expect((await editorText(page)).trim()).toBe(draft.trim());
      expect(JWT_PATTERN.test(await readableByScript(page))).toBe(false);
      await context.close();
    } finally {
      await browser.close();
      await extra.stop();
    }
  });
});
