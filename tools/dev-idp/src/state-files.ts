import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The IdP's state directory (mode 0700). Every file in it is written with mode 0600:
 * the secrets, and the rest too (nothing here needs to be read by anyone but its owner).
 */
export const STATE_FILES = {
  /** `{ "alice": "<password>", ... }` */
  passwords: 'passwords.json',
  /** The `cairn-ci` client's secret, one line. */
  ciSecret: 'cairn-ci.secret',
  /** `["<key>", ...]`: keys of the IdP's signed cookies. */
  cookieKeys: 'cookie-keys.json',
  /** The signing keystore (private JWKs), newest first. */
  signingKeys: 'signing-keys.json',
  /** The people (public facts: username, sub, email, groups), for tests and tools. */
  people: 'people.json',
  /** Written by the running server: `{ issuer, url, pid, kid }`. */
  serving: 'serving.json',
} as const;

export type StateFile = keyof typeof STATE_FILES;

export function statePath(dir: string, file: StateFile): string {
  return join(dir, STATE_FILES[file]);
}

export function ensureStateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Replaces the file atomically (write beside, rename), mode 0600. */
export function writeStateFile(dir: string, file: StateFile, text: string): void {
  const target = statePath(dir, file);
  const temporary = `${target}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, target);
}

export function readStateFile(dir: string, file: StateFile): string {
  return readFileSync(statePath(dir, file), 'utf8');
}

export function readStateJson(dir: string, file: StateFile): unknown {
  const text = readStateFile(dir, file);
  try {
    return JSON.parse(text);
  } catch {
    // The text may be a secret: name the file, never quote it.
    throw new Error(`dev-idp: ${statePath(dir, file)} is not valid JSON`);
  }
}
