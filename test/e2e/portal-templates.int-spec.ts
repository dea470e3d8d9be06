import { readFileSync } from 'node:fs';
import { TemplatesClient } from '@cairn/client';
import { pb } from '@cairn/contracts';
import { waitFor } from '@cairn/testing';
import { axeViolations, formatViolations, type ViewportName } from '@cairn/testing/browser';
import type { Page } from 'playwright-core';
import { listedRunIds, runStateName, setEditorText, usePortalSuite } from './portal-helpers';

// Templates and administration in the portal, in Debian's Chromium against the whole stack:
// carol (admin) publishes a template through the admin form, alice runs it from the form the
// portal draws from its parameters, bob is kept out of the admin pages, and the pages these
// flows use pass axe-core at both widths.
const suite = usePortalSuite();

const NAME = 'portal-greet';
/** A one-step workflow whose params the template's form sets. */
const SOURCE = [
  'version: 1',
  'name: portal-greet',
  'params: { who: world, times: 2, loud: false, colour: red }',
  'defaults:',
  '  image: lab/busybox:1.36',
  'steps:',
  '  hello:',
  '    command: [echo, "hello ${{ params.who }} ${{ params.times }} ${{ params.loud }} ${{ params.colour }}"]',
  '',
].join('\n');

/** Serious and critical axe-core findings. The CSP forbids inline scripts, so axe is evaluated (CDP), not added as a tag. */
async function blockingViolations(page: Page, where: string): Promise<string[]> {
  if (!(await page.evaluate<boolean>(`typeof window.axe === 'object'`))) await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const blocking = (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
  return blocking.length > 0 ? [formatViolations(where, blocking)] : [];
}

/** Adds a parameter row in the admin form and fills it. */
async function addParameter(page: Page, name: string, type: string, extra: { min?: string; max?: string; choices?: string } = {}): Promise<void> {
  await page.getByRole('button', { name: 'Add parameter' }).click();
  const row = page.getByTestId('parameter-row').last();
  await row.getByLabel('Params entry').fill(name);
  await row.getByLabel('Type').selectOption(type);
  if (extra.min !== undefined) await row.getByLabel('Minimum').fill(extra.min);
  if (extra.max !== undefined) await row.getByLabel('Maximum').fill(extra.max);
  if (extra.choices !== undefined) await row.getByLabel('Choices (one per line)').fill(extra.choices);
}

describe('templates and administration in the portal', () => {
  let templates: TemplatesClient | undefined;
  const api = () => (templates ??= new TemplatesClient(suite.stack().grpcAddress, suite.stack().clientOptions('carol')));
  afterAll(() => templates?.close());

  it('carol publishes a template through the admin form: a parameter the file lacks is refused at its row, then it is published', async () => {
    const { page, problems, close } = await suite.open('carol', '/admin/templates');
    await page.getByLabel('Name', { exact: true }).fill(NAME);
    await page.getByLabel('Title').fill('Greet someone');
    await page.getByLabel('Description').fill('Says hello.');
    await setEditorText(page, SOURCE);
    await addParameter(page, 'who', 'STRING');
    await addParameter(page, 'times', 'INTEGER', { min: '1', max: '5' });
    await addParameter(page, 'loud', 'BOOLEAN');
    await addParameter(page, 'colour', 'CHOICE', { choices: 'red\ngreen' });
    await addParameter(page, 'nobody', 'STRING');

    await page.getByRole('button', { name: 'Publish template' }).click();
    await page.getByTestId('parameter-row').nth(4).getByText(/no params entry/).waitFor();
    await expect(api().getTemplate(NAME)).rejects.toMatchObject({ codeName: 'NOT_FOUND' });

    await page.getByRole('button', { name: 'Remove parameter 5' }).click();
    await page.getByRole('button', { name: 'Publish template' }).click();
    await page.getByText(`Published ${NAME} version 1.`).waitFor();
    const published = await api().getTemplate(NAME);
    expect(published.parameters.map((p) => [p.name, p.defaultValue])).toEqual([
      ['who', 'world'],
      ['times', '2'],
      ['loud', 'false'],
      ['colour', 'red'],
    ]);
    expect(published.publishedBy?.name).toBe('carol');
    // The list above the form shows it, with Edit and Delete.
    await page.getByTestId('template-list').getByRole('link', { name: 'Greet someone' }).waitFor();
    problems.check();
    await close();
  });

  it('alice runs it from its form: a value out of range is shown at its field and nothing is submitted; the draft survives a reload; the dry run draws the plan; Run template starts the run with her values', async () => {
    const before = await listedRunIds(suite.workflows('alice'));
    const { page, problems, close } = await suite.open('alice', `/templates/${NAME}`);
    await page.getByRole('heading', { level: 1, name: 'Greet someone' }).waitFor();
    // The form is drawn from the parameters, defaults filled, her default account preselected.
    expect(await page.getByLabel('who').inputValue()).toBe('world');
    expect(await page.getByLabel('times').inputValue()).toBe('2');
    expect(await page.getByLabel('loud').isChecked()).toBe(false);
    expect(await page.getByLabel('colour').inputValue()).toBe('red');
    await waitFor('her default account', async () => ((await page.getByLabel('Slurm account').inputValue()) === 'alice-lab' ? true : undefined));

    await page.getByLabel('times').fill('9');
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByText('Must be at most 5.').waitFor();
    expect(await page.getByLabel('times').getAttribute('aria-invalid')).toBe('true');

    // What she typed is kept in this tab's sessionStorage: a reload (or a new login) keeps it.
    await page.getByLabel('who').fill('portal');
    await page.getByLabel('times').fill('3');
    await page.getByLabel('loud').check();
    await page.getByLabel('colour').selectOption('green');
    await page.getByLabel('Slurm account').selectOption('genomics');
    await waitFor('the draft to be saved', async () =>
      (await page.evaluate<string>(`sessionStorage.getItem('cairn.draft.template.${NAME}') ?? ''`)).includes('"genomics"') ? true : undefined,
    );
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Greet someone' }).waitFor();
    expect(await page.getByLabel('who').inputValue()).toBe('portal');
    expect(await page.getByLabel('times').inputValue()).toBe('3');
    expect(await page.getByLabel('loud').isChecked()).toBe(true);
    expect(await page.getByLabel('colour').inputValue()).toBe('green');
    await waitFor('the kept account', async () => ((await page.getByLabel('Slurm account').inputValue()) === 'genomics' ? true : undefined));

    await page.getByRole('button', { name: 'Dry run' }).click();
    const plan = page.getByTestId('plan-summary');
    await plan.waitFor({ timeout: 60_000 });
    await plan.locator('[data-testid="dag-node"][data-key="hello"]').waitFor();
    expect(await listedRunIds(suite.workflows('alice'))).toEqual(before);

    await page.getByRole('button', { name: 'Run template' }).click();
    await page.waitForURL(/\/workflows\/[^/]+$/, { timeout: 60_000 });
    const runId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    const run = await waitFor(
      'the run to succeed',
      async () => {
        const w = await suite.workflows('alice').getWorkflow(runId);
        return w.state === pb.WorkflowState.WORKFLOW_STATE_RUNNING ? undefined : w;
      },
      180_000,
      500,
    );
    expect(runStateName(run.state)).toBe('SUCCEEDED');
    expect(run.owner?.name).toBe('alice');
    expect(run.account).toBe('genomics');
    const jobId = run.steps.find((s) => s.key === 'hello')?.jobIds[0] ?? '';
    const output = Buffer.from((await suite.stack().clients.alice.getJobOutput({ jobId })).data).toString();
    expect(output.trim()).toBe('hello portal 3 true green');
    // A run that started clears the draft.
    expect(await page.evaluate<string | null>(`sessionStorage.getItem('cairn.draft.template.${NAME}')`)).toBeNull();
    problems.check();
    await close();
  });

  it('bob is told the admin pages are for administrators (and has no Admin link); carol finds the publish in the audit log', async () => {
    const bob = await suite.open('bob', '/admin/audit');
    await bob.page.getByRole('heading', { level: 1, name: 'Administrators only' }).waitFor();
    expect(await bob.page.getByTestId('audit-list').count()).toBe(0);
    expect(await bob.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).count()).toBe(0);
    bob.problems.check();
    await bob.close();

    const carol = await suite.open('carol', '/admin/audit');
    await carol.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).waitFor();
    await carol.page.getByLabel('Outcome').selectOption('OK');
    await carol.page.getByRole('button', { name: 'Apply filters' }).click();
    const list = carol.page.getByTestId('audit-list');
    // The filtered page replaces the unfiltered one (which also holds the refused publish).
    await waitFor('only OK events listed', async () => {
      const outcomes = new Set(await list.getByTestId('outcome').allInnerTexts());
      return outcomes.size === 1 && outcomes.has('OK') ? true : undefined;
    });
    const publish = list.locator('tr', { hasText: 'TemplateService/PublishTemplate' }).filter({ hasText: NAME });
    expect(await publish.count()).toBe(1);
    // Without the filter the refusal is there too, with its reason.
    await carol.page.getByLabel('Outcome').selectOption('INVALID_ARGUMENT');
    await carol.page.getByRole('button', { name: 'Apply filters' }).click();
    await list.locator('tr', { hasText: 'TemplateService/PublishTemplate' }).filter({ hasText: 'no params entry' }).first().waitFor();
    carol.problems.check();
    await carol.close();
  });

  it.each<ViewportName>(['desktop', 'phone'])('at the %s width the template form and the admin pages have no serious or critical axe-core violation, one h1 and no sideways scrolling', async (viewport) => {
    const failures: string[] = [];
    const visit = async (page: Page, path: string, ready: string) => {
      await page.goto(suite.url(path));
      await page.locator(ready).first().waitFor();
      failures.push(...(await blockingViolations(page, `${path} at ${viewport}`)));
      const h1 = await page.locator('h1').count();
      if (h1 !== 1) failures.push(`${path} at ${viewport}: ${h1} h1 elements`);
      const sideways = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      if (sideways > 0) failures.push(`${path} at ${viewport}: the page scrolls sideways by ${sideways} px`);
    };
    const alice = await suite.open('alice', '/templates', viewport);
    await visit(alice.page, '/templates', '[data-testid="template-list"]');
    await visit(alice.page, `/templates/${NAME}`, 'select[name="account"]');
    await visit(alice.page, '/admin', 'h1');
    alice.problems.check();
    await alice.close();
    const carol = await suite.open('carol', '/admin', viewport);
    await visit(carol.page, '/admin', '[data-testid="workflow-list"]');
    await visit(carol.page, '/admin/audit', '[data-testid="audit-list"]');
    await visit(carol.page, '/admin/sites', '[data-testid="site"]');
    await visit(carol.page, '/admin/templates', '.cm-content');
    carol.problems.check();
    await carol.close();
    expect(failures).toEqual([]);
  });
});
