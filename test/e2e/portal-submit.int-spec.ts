import { pb } from '@cairn/contracts';
import { waitFor } from '@cairn/testing';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expectAccessible as kitExpectAccessible } from '@cairn/testing/browser';
import { editorText, listedRunIds, setEditorText, usePortalSuite } from './portal-helpers';

// The portal's Submit and Experiments views in Debian's Chromium against the whole stack
// (dev IdP, gateway with the portal server, scheduler, agent, real Slurm): the dry run's
// plan, the server's problems placed in the editor, the job form, runs compared.
const suite = usePortalSuite();

/**
 * axe-core checks (no serious or critical violation), with axe loaded through the DevTools
 * protocol first: the portal's CSP forbids the inline script tag the kit would add.
 */
async function expectAccessible(page: Page, where: string): Promise<void> {
  await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  await kitExpectAccessible(page, where);
}

/** A loop of two iterations on busybox reporting metric "score" (10, 20): quick, with metrics. */
const loopRun = (name: string) =>
  [
    'version: 1',
    `name: ${name}`,
    'defaults: { image: lab/busybox:1.36, resources: { cpus: 1, memory: 256M, time: 5m } }',
    'steps:',
    '  learn:',
    '    loop:',
    '      maxIterations: 2',
    '      metrics: ${{ steps.evaluate.outputs.metrics }}',
    '      steps:',
    '        evaluate:',
    `          command: [/bin/sh, -c, 'echo "{\\"score\\": $(($0 * 10))}" > metrics.json', '\${{ loop.iteration }}']`,
    '          outputs: { metrics: metrics.json }',
    '',
  ].join('\n');

describe('the portal\'s Submit and Experiments views in a real browser', () => {
  // alice logs in once (the IdP's page is not what this suite looks at); each test then opens
  // its own page with her session.
  beforeAll(async () => {
    const first = await suite.open('alice', '/');
    await first.close();
  }, 60_000);

  it('a dry run of the parameter sweep (loaded with one click) draws its plan: the graph, the partition and the packing of 10,000 items into one Slurm array job; nothing is submitted', async () => {
    const before = await listedRunIds(suite.workflows('alice'));
    const { page, problems, close } = await suite.open('alice', '/submit');
    await page.locator('.cm-content').waitFor();
    await page.getByRole('button', { name: /^Parameter sweep/ }).click();
    await waitFor('the example in the editor', async () => ((await editorText(page)).includes('name: parameter-sweep') ? true : undefined), 10_000, 100);
    await page.getByRole('button', { name: 'Dry run' }).click();
    const plan = page.getByTestId('plan');
    await plan.getByTestId('dag').waitFor({ timeout: 60_000 });
    expect(await plan.getByTestId('dag-node').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-key')))).toEqual(['sweep', 'summarise']);
    const sweep = plan.locator('tr[data-key="sweep"]');
    expect(await sweep.innerText()).toMatch(/debug[\s\S]*10000 items in 1 Slurm array job \(0-\d+%8\); \d+ elements of \d+ items/);
    expect(await plan.locator('tr[data-key="summarise"]').innerText()).toMatch(/debug/);
    expect(await listedRunIds(suite.workflows('alice'))).toEqual(before);
    await expectAccessible(page, '/submit with a dry run\'s plan');
    problems.check();
    await close();
  });

  it('a schema mistake is listed at its line as it is typed; the server\'s own refusal is placed at its line too', async () => {
    const { page, problems, close } = await suite.open('alice', '/submit');
    await page.locator('.cm-content').waitFor();
    await setEditorText(page, ['version: 1', 'name: typo', 'steps:', '  hello:', '    image: lab/busybox:1.36', '    command: [echo, hi]', '    resources: { cpus: 0 }', ''].join('\n'));
    const list = page.getByTestId('editor-problems');
    await list.getByText('Line 7, column 24: steps.hello.resources.cpus: must be at least 1').waitFor();
    // Nothing is sent while the editor lists a problem.
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByText(/^Nothing was submitted: fix the problem/).waitFor();
    // Valid for the schema, refused by the server: a reference to a step that does not exist.
    await setEditorText(page, ['version: 1', 'name: typo', 'steps:', '  hello:', '    image: lab/busybox:1.36', '    command: [echo, "${{ steps.nowhere.outputs.x }}"]', ''].join('\n'));
    await page.getByRole('button', { name: 'Dry run' }).click();
    await list.getByText(/^Line 6, column \d+: .*nowhere/).first().waitFor({ timeout: 60_000 });
    // CodeMirror marks the same place.
    expect(await page.locator('.cm-lintRange-error').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('plan').count()).toBe(0);
    problems.check();
    await close();
  });

  it('the job form runs a command once per item as an argument vector, and refuses a value over a limit before sending it', async () => {
    const { page, problems, close } = await suite.open('alice', '/submit?tab=job');
    await page.getByLabel('Image').fill('lab/busybox:1.36');
    await page.getByLabel('Command (one argument per line)').fill('echo\nitem: ${{ item }}; $HOME');
    await page.getByLabel('Items (one per line)').fill('a b\nc');
    await page.getByLabel('CPUs').fill('2000');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.getByText('CPUs must be from 1 to 1024').waitFor();
    expect(new URL(page.url()).pathname).toBe('/submit');
    await expectAccessible(page, '/submit?tab=job with a refused field');
    await page.getByLabel('CPUs').fill('1');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/jobs/'), { timeout: 60_000 });
    const jobId = decodeURIComponent(new URL(page.url()).pathname.slice('/jobs/'.length));
    const job = await suite.stack().clients.alice.getJob(jobId);
    expect(job.spec?.command).toEqual(['echo', 'item: ${{ item }}; $HOME']);
    expect(job.spec?.array?.items).toEqual(['a b', 'c']);
    expect(job.account).toBe('alice-lab');
    problems.check();
    await close();
  });

  it('experiments: two runs of one workflow, their metric curves overlaid and their final metrics in a table', async () => {
    const name = `exp-${Date.now()}`;
    const client = suite.workflows('alice');
    const ids: string[] = [];
    for (const requestId of ['a', 'b']) {
      const { workflow } = await client.submitWorkflow({ source: loopRun(name), fileName: 'exp.yaml', requestId: `${name}-${requestId}` });
      ids.push(workflow?.runId ?? '');
    }
    for (const runId of ids) {
      await waitFor('the run to end', async () => {
        const workflow = await client.getWorkflow(runId);
        return workflow.state !== pb.WorkflowState.WORKFLOW_STATE_RUNNING ? workflow : undefined;
      }, 240_000, 1000);
    }
    const { page, problems, close } = await suite.open('alice', `/experiments?name=${name}`);
    const table = page.getByTestId('experiment-table');
    await table.waitFor({ timeout: 30_000 });
    // Each compared run's row appears as its details arrive (one GetWorkflow each).
    await waitFor('a row per run', async () => ((await table.locator('tbody tr').count()) >= 2 ? true : undefined), 30_000, 100);
    expect(await table.locator('tbody tr').count()).toBe(2);
    for (const runId of ids) expect(await table.locator(`tr[data-run="${runId}"]`).innerText()).toMatch(/SUCCEEDED[\s\S]*\b2\b[\s\S]*\b20\b/);
    const chart = page.getByTestId('metrics-chart');
    await waitFor('both curves drawn', async () => ((await chart.first().getAttribute('data-points')) === '4' ? true : undefined), 10_000, 100);
    await expectAccessible(page, '/experiments with two runs compared');
    // One run unticked: one curve left.
    // A click, then the box is waited for: the box follows the URL (?runs=), which the router
    // updates in a transition, so right after the click it can still read as ticked (Playwright's
    // uncheck() fails then, with nothing wrong).
    const box = page.getByLabel(`Compare run ${ids[1]?.slice(0, 8)}`);
    await box.click();
    await waitFor('the box unticked', async () => ((await box.isChecked()) ? undefined : true), 10_000, 100);
    await waitFor('one curve drawn', async () => ((await chart.first().getAttribute('data-points')) === '2' ? true : undefined), 10_000, 100);
    expect(new URL(page.url()).searchParams.get('runs')).toBe(ids[0]);
    problems.check();
    await close();
  });
});
