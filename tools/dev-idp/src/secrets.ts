import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { type Keystore, newSigningKey, parseKeystore } from './keystore';
import { PEOPLE } from './people';
import { ensureStateDir, readStateFile, readStateJson, statePath, type StateFile, writeStateFile } from './state-files';

/** Everything secret the IdP runs with; generated once per state directory. */
export interface Secrets {
  passwords: Record<string, string>;
  ciSecret: string;
  cookieKeys: string[];
  keystore: Keystore;
}

const secret = (bytes: number) => randomBytes(bytes).toString('base64url');

/**
 * Creates whatever is missing in the state directory (passwords, the cairn-ci secret, cookie
 * keys, the first signing key, people.json) and leaves what exists alone, so it is safe to
 * run on every start. Returns the files it created.
 */
export function initState(dir: string, options: { firstKid?: string; now?: number } = {}): StateFile[] {
  ensureStateDir(dir);
  const created: StateFile[] = [];
  const once = (file: StateFile, make: () => string) => {
    if (existsSync(statePath(dir, file))) return;
    writeStateFile(dir, file, make());
    created.push(file);
  };
  once('passwords', () => `${JSON.stringify(Object.fromEntries(PEOPLE.map((p) => [p.username, secret(18)])), null, 2)}\n`);
  once('ciSecret', () => `${secret(32)}\n`);
  once('cookieKeys', () => `${JSON.stringify([secret(32), secret(32)])}\n`);
  once('signingKeys', () => `${JSON.stringify({ keys: [newSigningKey(options.now ?? Math.floor(Date.now() / 1000), options.firstKid)] }, null, 2)}\n`);
  once('people', () => `${JSON.stringify(PEOPLE, null, 2)}\n`);
  return created;
}

export function readKeystore(dir: string): Keystore {
  return parseKeystore(readStateJson(dir, 'signingKeys'), statePath(dir, 'signingKeys'));
}

export function writeKeystore(dir: string, store: Keystore): void {
  writeStateFile(dir, 'signingKeys', `${JSON.stringify(store, null, 2)}\n`);
}

/** Reads every secret, refusing (without quoting them) files that are missing or malformed. */
export function readSecrets(dir: string): Secrets {
  for (const file of ['passwords', 'ciSecret', 'cookieKeys', 'signingKeys'] as const) {
    if (!existsSync(statePath(dir, file))) throw new Error(`dev-idp: ${statePath(dir, file)} is missing; run \`dev-idp init --state ${dir}\` first`);
  }
  const passwords = readStateJson(dir, 'passwords');
  if (
    typeof passwords !== 'object' ||
    passwords === null ||
    !PEOPLE.every((p) => typeof (passwords as Record<string, unknown>)[p.username] === 'string' && ((passwords as Record<string, string>)[p.username] ?? '').length >= 12)
  ) {
    throw new Error(`dev-idp: ${statePath(dir, 'passwords')} must give each of ${PEOPLE.map((p) => p.username).join(', ')} a password of 12 or more characters`);
  }
  const ciSecret = readStateFile(dir, 'ciSecret').trim();
  if (ciSecret.length < 32) throw new Error(`dev-idp: ${statePath(dir, 'ciSecret')} must hold a secret of 32 or more characters`);
  const cookieKeys = readStateJson(dir, 'cookieKeys');
  if (!Array.isArray(cookieKeys) || cookieKeys.length === 0 || !cookieKeys.every((k) => typeof k === 'string' && k.length >= 32)) {
    throw new Error(`dev-idp: ${statePath(dir, 'cookieKeys')} must be a list of keys of 32 or more characters`);
  }
  return { passwords: passwords as Record<string, string>, ciSecret, cookieKeys: cookieKeys as string[], keystore: readKeystore(dir) };
}
