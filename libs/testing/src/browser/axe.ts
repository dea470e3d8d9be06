import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

/** One axe-core finding, as much of it as a person fixing it needs. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

const BLOCKING = new Set(['serious', 'critical']);

let axeSource: string | undefined;
const source = (): string => (axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));

/** Every axe-core violation on the page as it is now (WCAG 2.x A and AA rules and best practices). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // Strings, evaluated in the page (this project's types have no DOM). axe-core goes in
  // through the DevTools protocol, not as a <script> element: the portal's Content Security
  // Policy (script-src 'self') rightly refuses inline scripts.
  const loaded = await page.evaluate<boolean>(`typeof window.axe === 'object'`);
  if (!loaded) await page.evaluate<boolean>(`${source()}\n;typeof window.axe === 'object'`);
  return page.evaluate<AxeViolation[]>(`window.axe.run(document, { resultTypes: ['violations'] }).then((result) =>
    result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.map(String), failureSummary: n.failureSummary })),
    })))`);
}

/** A readable list of violations: rule, impact, what to do, and the first few elements. */
export function formatViolations(where: string, violations: AxeViolation[]): string {
  const lines = [`axe-core: ${violations.length} serious or critical violation(s) on ${where}:`];
  for (const v of violations) {
    lines.push(`- [${v.impact ?? 'unknown'}] ${v.id}: ${v.help} (${v.helpUrl})`);
    for (const node of v.nodes.slice(0, 5)) {
      const summary = (node.failureSummary ?? '').replace(/\s+/g, ' ').trim();
      lines.push(`    ${node.target.join(' ')}${summary ? ` -- ${summary}` : ''}`);
    }
    if (v.nodes.length > 5) lines.push(`    ... and ${v.nodes.length - 5} more`);
  }
  return lines.join('\n');
}

/** Throws, with the readable list, when the page has serious or critical axe-core violations. */
export async function expectAccessible(page: Page, where = page.url()): Promise<void> {
  const blocking = (await axeViolations(page)).filter((v) => v.impact !== null && BLOCKING.has(v.impact));
  if (blocking.length > 0) throw new Error(formatViolations(where, blocking));
}
