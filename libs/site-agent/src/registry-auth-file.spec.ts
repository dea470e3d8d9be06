import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRegistryAuthFile } from './registry-auth-file';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'auth-file-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('checkRegistryAuthFile', () => {
  it('accepts a file only its owner may read or write (0600, 0400)', async () => {
    for (const mode of [0o600, 0o400]) {
      const path = join(root, `ok-${mode.toString(8)}.json`);
      writeFileSync(path, '{"auths":{}}');
      chmodSync(path, mode);
      await expect(checkRegistryAuthFile(path)).resolves.toBeUndefined();
    }
  });

  it.each([0o644, 0o640, 0o604, 0o660])('refuses mode %o, naming the setting and chmod 600', async (mode) => {
    const path = join(root, `bad-${mode.toString(8)}.json`);
    writeFileSync(path, '{"auths":{}}');
    chmodSync(path, mode);
    await expect(checkRegistryAuthFile(path)).rejects.toThrow(`CAIRN_REGISTRY_AUTH_FILE: ${path} (mode ${mode.toString(8)}) can be read by group or others: registry credentials must not (chmod 600 it)`);
  });

  it('refuses a missing file and a directory', async () => {
    mkdirSync(join(root, 'dir'));
    for (const path of [join(root, 'missing.json'), join(root, 'dir')]) {
      await expect(checkRegistryAuthFile(path)).rejects.toThrow(`CAIRN_REGISTRY_AUTH_FILE: ${path} is not a file the agent can read`);
    }
  });
});
