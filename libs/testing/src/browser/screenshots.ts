import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

/** Where the README's screenshots live. */
export const SCREENSHOT_DIR = join(__dirname, '..', '..', '..', '..', 'docs', 'screenshots');

/** True when this run should write the README's screenshots (CAIRN_SCREENSHOTS=1). */
export const screenshotsWanted = (): boolean => process.env['CAIRN_SCREENSHOTS'] === '1';

/**
 * Writes `docs/screenshots/<name>.png` of the page as it is (the viewport, or the whole
 * scroll height with `fullPage`) when CAIRN_SCREENSHOTS=1; does nothing otherwise. Returns
 * the path written.
 */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string | undefined> {
  if (!screenshotsWanted()) return undefined;
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`screenshot name ${JSON.stringify(name)}: lower-case letters, digits and dashes only`);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  // No caret, no animations: the same page gives the same picture.
  await page.screenshot({ path, animations: 'disabled', caret: 'hide', fullPage: options.fullPage ?? false });
  return path;
}
