import { WorkflowsClient } from '@cairn/client';
import { pb } from '@cairn/contracts';
import { type CairnStack, startCairnStack } from '@cairn/testing';
import { type Credentials, launchChromium, logIn, newContext, serverCertificate, type ViewportName, watchPage, type PageProblems } from '@cairn/testing/browser';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export type Person = 'alice' | 'bob' | 'carol';

/** A page of a logged-in person, and what went wrong inside it. */
export interface PortalPage {
  page: Page;
  context: BrowserContext;
  problems: PageProblems;
  close(): Promise<void>;
}

export interface PortalSuite {
  stack(): CairnStack;
  browser(): Browser;
  /** alice's WorkflowsClient over gRPC (the API itself, to check what the portal did). */
  workflows(person?: Person): WorkflowsClient;
  credentials(person: Person): Credentials;
  /**
   * A fresh context for `person` at `viewport`, logged in (through the IdP's real page the
   * first time; later contexts reuse that session's cookie), showing `path`.
   */
  open(person: Person, path: string, viewport?: ViewportName): Promise<PortalPage>;
  url(path: string): string;
}

/**
 * One stack with the portal, one Chromium and one session per person for a whole spec file.
 * The portal's certificate (signed by the stack's CA) is pinned by its key.
 */
export function usePortalSuite(): PortalSuite {
  let stack: CairnStack | undefined;
  let browser: Browser | undefined;
  const clients = new Map<Person, WorkflowsClient>();
  const sessions = new Map<Person, Awaited<ReturnType<BrowserContext['storageState']>>>();
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started`);
    return value;
  };
  beforeAll(async () => {
    stack = await startCairnStack({ portal: true });
    browser = await launchChromium({ trustServerCertificates: [await serverCertificate(need(stack.portalUrl, 'the portal'), stack.ca)] });
  });
  afterAll(async () => {
    for (const client of clients.values()) client.close();
    await browser?.close();
    await stack?.stop();
  });
  const suite: PortalSuite = {
    stack: () => need(stack, 'the stack'),
    browser: () => need(browser, 'Chromium'),
    workflows(person = 'alice') {
      let client = clients.get(person);
      if (!client) {
        client = new WorkflowsClient(suite.stack().grpcAddress, suite.stack().clientOptions(person));
        clients.set(person, client);
      }
      return client;
    },
    credentials: (person) => ({ username: person, password: suite.stack().idp.users[person].password }),
    url: (path) => new URL(path, need(suite.stack().portalUrl, 'the portal')).href,
    async open(person, path, viewport = 'desktop') {
      const context = await newContext(suite.browser(), viewport);
      const saved = sessions.get(person);
      if (saved) await context.addCookies(saved.cookies);
      const page = await context.newPage();
      const problems = watchPage(page);
      if (saved) await page.goto(suite.url(path));
      else {
        await logIn(page, suite.url('/'), suite.credentials(person), path);
        sessions.set(person, await context.storageState());
      }
      return { page, context, problems, close: () => context.close() };
    },
  };
  return suite;
}

export const runStateName = (s: pb.WorkflowState) => pb.WorkflowState[s].replace('WORKFLOW_STATE_', '');

/** Every run id `person` can list through the API (all pages). */
export async function listedRunIds(client: WorkflowsClient): Promise<string[]> {
  const ids: string[] = [];
  let pageToken = '';
  do {
    const page = await client.listWorkflows({ pageSize: 100, pageToken });
    ids.push(...page.workflows.map((w) => w.runId));
    pageToken = page.nextPageToken;
  } while (pageToken);
  return ids;
}

/** Replaces the whole text of the page's CodeMirror editor with `text`, as typed-in (pasted) text. */
export async function setEditorText(page: Page, text: string): Promise<void> {
  const content = page.locator('.cm-content').first();
  await content.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

/**
 * The editor's whole text. CodeMirror draws only the lines near the viewport, so the text
 * comes from the editor's own state (its view hangs on the content element as cmView.view),
 * and from the drawn lines only if that is not there.
 */
export async function editorText(page: Page): Promise<string> {
  const fromState = await page.evaluate<string | null>(`(() => {
    const view = document.querySelector('.cm-content')?.cmView?.view;
    return view ? view.state.doc.toString() : null;
  })()`);
  return fromState ?? (await page.locator('.cm-content .cm-line').allInnerTexts()).join('\n');
}

/** The data-state of every DAG node, by step key. */
export async function dagStates(page: Page): Promise<Record<string, string>> {
  const nodes = page.getByTestId('dag-node');
  const out: Record<string, string> = {};
  for (const node of await nodes.all()) {
    const key = await node.getAttribute('data-key');
    if (key !== null) out[key] = (await node.getAttribute('data-state')) ?? '';
  }
  return out;
}
