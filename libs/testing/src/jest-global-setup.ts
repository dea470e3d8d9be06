import { embeddedTemplate } from './embedded-database-dir';

/**
 * Jest's globalSetup for every project (jest.preset.js): the embedded database template
 * (freshEmbeddedDir) is made once, before any spec, outside any hook's time limit.
 */
// eslint-disable-next-line no-restricted-syntax -- Jest takes a globalSetup module's default export
export default async function globalSetup(): Promise<void> {
  await embeddedTemplate();
}
