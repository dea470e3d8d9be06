import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from './config.errors';

/** Largest secret file read (a password, a key): anything bigger is not one. */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

/**
 * The trimmed content of a secret file named by setting `env`. Refuses (ConfigError naming
 * the setting and the file, never the content) a file others may read, one that is not a
 * regular file, too large, or empty.
 */
export function readSecretFile(env: string, file: string): string {
  let stats;
  try {
    stats = statSync(file);
  } catch (error) {
    throw new ConfigError(`${env}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (!stats.isFile()) throw new ConfigError(`${env}: ${file} is not a regular file`);
  if ((stats.mode & 0o007) !== 0) {
    throw new ConfigError(`${env}: ${file} may be read by anyone (mode ${(stats.mode & 0o777).toString(8).padStart(4, '0')}); make it readable by its owner only (chmod 0600)`);
  }
  if (stats.size > MAX_SECRET_FILE_BYTES) throw new ConfigError(`${env}: ${file} is larger than ${MAX_SECRET_FILE_BYTES} bytes`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(`${env}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (text.length === 0) throw new ConfigError(`${env}: ${file} is empty`);
  return text;
}
