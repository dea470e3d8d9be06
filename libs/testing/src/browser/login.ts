import type { Page } from 'playwright-core';

export interface Credentials {
  username: string;
  password: string;
}

/**
 * The person's part at the IdP's sign-in page (tools/dev-idp/src/html.ts), in the browser:
 * waits for the page, types username and password, presses "Sign in", and waits until the
 * browser is back on `portalUrl`'s origin past /auth/ (the callback set the session cookie).
 * Throws with the IdP's message (never the password) if it refuses.
 */
export async function signInAtIdp(page: Page, portalUrl: string, who: Credentials): Promise<void> {
  const form = page.locator('form#login');
  await form.waitFor();
  await form.getByLabel('Username').fill(who.username);
  await form.getByLabel('Password').fill(who.password);
  const portal = new URL(portalUrl).origin;
  const back = page.waitForURL((url) => url.origin === portal && !url.pathname.startsWith('/auth/'));
  await form.getByRole('button', { name: 'Sign in' }).click();
  const refused = page.locator('p.error').waitFor().then(async () => {
    throw new Error(`the IdP refused the sign-in of ${who.username}: ${await page.locator('p.error').innerText()}`);
  });
  await Promise.race([back, refused]);
}

/** Logs in through the portal's /auth/login and the IdP's page; ends on `returnTo`. */
export async function logIn(page: Page, portalUrl: string, who: Credentials, returnTo = '/'): Promise<void> {
  await page.goto(new URL(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`, portalUrl).href);
  await signInAtIdp(page, portalUrl, who);
}
