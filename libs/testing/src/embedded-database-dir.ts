import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { testCacheDir } from './test-temp';

/**
 * A fresh directory for an embedded database (PGlite) that already holds an initialised,
 * empty cluster: a copy of one made once per machine and PGlite version (in testCacheDir). PGlite's initdb
 * costs about 5 s of CPU; the copy about half a second. `openDatabase({ embeddedDir })` then
 * opens it exactly as it would a cluster it had made itself (same schemas, same migrations).
 */
export async function freshEmbeddedDir(prefix: string): Promise<string> {
  const template = await embeddedTemplate();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(template, dir, { recursive: true });
  return dir;
}

let made: Promise<string> | undefined;

/**
 * The template's path, made first if it is not there. jest.preset.js's globalSetup
 * (jest-global-setup.ts) calls it before any spec runs, so no spec's hook pays for initdb.
 */
export function embeddedTemplate(): Promise<string> {
  made ??= makeTemplate();
  return made;
}

async function makeTemplate(): Promise<string> {
  const packageJson = join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  const path = join(testCacheDir(), `cairn-pglite-template-${version}`);
  if (existsSync(join(path, 'PG_VERSION'))) return path;
  // Made aside and renamed into place: two test processes may race, and neither sees half of one.
  const work = mkdtempSync(join(testCacheDir(), 'cairn-pglite-template-work-'));
  const pglite = await PGlite.create(work);
  await pglite.close();
  try {
    renameSync(work, path);
  } catch {
    rmSync(work, { recursive: true, force: true });
    if (!existsSync(join(path, 'PG_VERSION'))) throw new Error(`embedded database template ${path}: neither made nor found`);
  }
  return path;
}
