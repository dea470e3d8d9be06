import { access, constants, stat } from 'node:fs/promises';
import { ConfigError } from '@cairn/config';

/**
 * CAIRN_REGISTRY_AUTH_FILE holds registry credentials: the agent refuses to start when it
 * cannot read it, when it is not a regular file, or when group or others may read it
 * (chmod 600), as the images service does for the same file.
 */
export async function checkRegistryAuthFile(path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new ConfigError(`CAIRN_REGISTRY_AUTH_FILE: ${path} is not a file the agent can read`);
  if ((info.mode & 0o077) !== 0) {
    throw new ConfigError(`CAIRN_REGISTRY_AUTH_FILE: ${path} (mode ${(info.mode & 0o777).toString(8)}) can be read by group or others: registry credentials must not (chmod 600 it)`);
  }
  await access(path, constants.R_OK).catch(() => {
    throw new ConfigError(`CAIRN_REGISTRY_AUTH_FILE: ${path} is not a file the agent can read`);
  });
}
