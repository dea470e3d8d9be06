import { embeddedTemplate } from './embedded-database-dir';
import { enterRunTemp } from './test-temp';

/**
 * Jest's globalSetup for every project (jest.preset.js): the run gets a temporary directory
 * of its own, removed by the global teardown (test-temp.ts), and the embedded database
 * template (freshEmbeddedDir) is made once, before any spec, outside any hook's time limit.
 */
// eslint-disable-next-line no-restricted-syntax -- Jest takes a globalSetup module's default export
export default async function globalSetup(): Promise<void> {
  enterRunTemp();
  await embeddedTemplate();
}
