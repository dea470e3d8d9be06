/**
 * The portal's browser tests' kit: Debian's Chromium through playwright-core, contexts at
 * 1280 and 390 px, logging in at the IdP's real page, axe-core checks, page problems, and
 * the README's screenshots. A separate entry (@cairn/testing/browser) so suites without a
 * browser never load playwright-core.
 */
export { CHROMIUM_PATH, launchChromium, newContext, serverCertificate, spkiHash, VIEWPORTS } from './chromium';
export type { LaunchOptions, ViewportName } from './chromium';
export { axeViolations, expectAccessible, formatViolations } from './axe';
export type { AxeViolation } from './axe';
export { logIn, signInAtIdp } from './login';
export type { Credentials } from './login';
export { JWT_PATTERN, readableByScript, watchPage } from './page-watch';
export type { PageProblems } from './page-watch';
export { SCREENSHOT_DIR, screenshot, screenshotsWanted } from './screenshots';
