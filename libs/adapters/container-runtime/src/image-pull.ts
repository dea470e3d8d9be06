import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CairnError } from '@cairn/contracts';
import { CommandFailedError, type ProcessRepository } from '@cairn/adapters/process';
import { z } from 'zod';
import { layoutRefusal } from './oci-layout-verify';
import { type RegistryAccess, skopeoCopyArgv, skopeoInspectArgv } from './registry-source';

/** How long one pull may take. */
export const PULL_TIMEOUT_MS = 1_800_000;
/** How often the bytes pulled so far are measured while skopeo copies. */
export const PULL_PROGRESS_INTERVAL_MS = 250;

const rawManifest = z.looseObject({
  config: z.looseObject({ size: z.number().int().min(0) }).optional(),
  layers: z.array(z.looseObject({ size: z.number().int().min(0) })).optional(),
});

/**
 * Pulls `pinned` by digest into an OCI layout at `layoutDir` with skopeo (which checks
 * every blob against its digest as it copies; --preserve-digests keeps the manifest as the
 * registry holds it). `onBytes` hears the blob bytes in the layout so far against the
 * manifest's total (manifest, config and layers) a few times a second. Failures are
 * CairnErrors: a blob whose digest does not match is refused as tampered (as verifyLayout
 * would), a missing image is NOT_FOUND, refused credentials PERMISSION_DENIED, a registry
 * that cannot be reached UNAVAILABLE.
 */
export async function pullToLayout(
  processes: ProcessRepository,
  pinned: string,
  layoutDir: string,
  access: RegistryAccess,
  onBytes: (done: number, total: number) => void = () => undefined,
): Promise<void> {
  const total = await manifestBytes(processes, pinned, access);
  onBytes(0, total);
  // A measurement that ends after the copy never reports: nothing is heard after the final total.
  const state = { copying: true, measuring: false };
  const timer = setInterval(() => {
    if (state.measuring) return;
    state.measuring = true;
    void blobBytes(layoutDir)
      .then((done) => {
        if (state.copying) onBytes(Math.min(done, total), total);
      })
      .finally(() => {
        state.measuring = false;
      });
  }, PULL_PROGRESS_INTERVAL_MS);
  try {
    await processes.check('skopeo', skopeoCopyArgv(pinned, layoutDir, access), { timeoutMs: PULL_TIMEOUT_MS });
  } catch (error) {
    throw pullRefusal(error, pinned);
  } finally {
    state.copying = false;
    clearInterval(timer);
  }
  onBytes(total, total);
}

/** The bytes `skopeo copy` will fetch for a pinned manifest (0 for an index: its platform is not known here). */
async function manifestBytes(processes: ProcessRepository, pinned: string, access: RegistryAccess): Promise<number> {
  let raw: string;
  try {
    raw = (await processes.check('skopeo', skopeoInspectArgv(pinned, access), { timeoutMs: 120_000, maxBuffer: 8 * 1024 * 1024 })).stdout;
  } catch (error) {
    throw pullRefusal(error, pinned);
  }
  let parsed: z.infer<typeof rawManifest> | undefined;
  try {
    parsed = rawManifest.safeParse(JSON.parse(raw)).data;
  } catch {
    parsed = undefined;
  }
  if (!parsed?.config || !parsed.layers) return 0;
  return Buffer.byteLength(raw) + parsed.config.size + parsed.layers.reduce((sum, layer) => sum + layer.size, 0);
}

async function blobBytes(layoutDir: string): Promise<number> {
  const dir = join(layoutDir, 'blobs', 'sha256');
  const names = await readdir(dir).catch(() => [] as string[]);
  const sizes = await Promise.all(names.map((name) => stat(join(dir, name)).then((s) => s.size, () => 0)));
  return sizes.reduce((sum, size) => sum + size, 0);
}

/** What a failed skopeo run means, as a CairnError that names the image (never the auth file's content). */
export function pullRefusal(error: unknown, pinned: string): Error {
  if (!(error instanceof CommandFailedError)) return new CairnError('INTERNAL', `pulling ${pinned} failed: ${(error as Error).message}`);
  const said = error.result.stderr.trim() || error.result.stdout.trim();
  const last = said.split('\n').filter(Boolean).pop()?.slice(0, 500) ?? `exit ${error.result.exitCode}`;
  const blob = /(sha256:[a-f0-9]{64})/.exec(said.slice(said.search(/digest did not match|Digest/)))?.[1];
  if (/digest did not match|Digest/.test(said)) {
    return layoutRefusal(`blob ${blob ?? '(unnamed)'} of ${pinned} does not match its digest as the registry served it: tampered or corrupt (${last})`);
  }
  if (/manifest unknown|blob unknown|not found|name unknown|404/i.test(said)) return new CairnError('NOT_FOUND', `image ${pinned} is not in its registry (${last})`);
  if (/unauthorized|authentication required|denied|forbidden|401|403/i.test(said)) {
    return new CairnError('PERMISSION_DENIED', `the registry refused to serve ${pinned}: credentials missing or not accepted (${last})`);
  }
  if (/connection refused|no such host|i\/o timeout|timeout|dial tcp|connection reset|EOF|server gave HTTP response to HTTPS/i.test(said) || error.result.exitCode < 0) {
    return new CairnError('UNAVAILABLE', `the registry of ${pinned} cannot be reached (${last})`);
  }
  return new CairnError('INTERNAL', `pulling ${pinned} failed: ${last}`);
}
