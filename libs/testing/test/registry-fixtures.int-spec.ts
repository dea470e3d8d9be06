// The registry fixtures against the dev cluster's registries (tools/dev-cluster/dev-cluster.sh up):
// the open one (127.0.0.1:5000), basic auth (:5001) and token auth (:5002, its token server :5003).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pushFreshImage, tamperBlob, testEnv } from '../src';

const run = promisify(execFile);
const env = testEnv();
const repository = `fixtures/t-${randomUUID().slice(0, 8)}`;

function authFile(): string {
  if (!env.registryAuthFile) throw new Error('no CAIRN_DEV_REGISTRY_AUTH_FILE: run tools/dev-cluster/dev-cluster.sh up');
  return env.registryAuthFile;
}

/** skopeo's result: exit status and stderr (never throws). */
async function skopeo(args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('skopeo', args, { timeout: 120_000 });
    return { ok: true, stdout, stderr };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

async function tagDigest(reference: string, auth?: string): Promise<string> {
  const result = await skopeo(['inspect', '--tls-verify=false', ...(auth ? ['--authfile', auth] : []), '--format', '{{.Digest}}', `docker://${reference}`]);
  if (!result.ok) throw new Error(`skopeo inspect ${reference}: ${result.stderr}`);
  return result.stdout.trim();
}

describe('registry fixtures', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'registry-fixtures-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('pushing twice to one tag gives two digests; the tag follows the second, the first stays pullable by digest', async () => {
    const first = await pushFreshImage({ registry: env.registry, repository, tag: 'moving' });
    const second = await pushFreshImage({ registry: env.registry, repository, tag: 'moving' });
    expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(second.digest).not.toBe(first.digest);
    expect(second.reference).toBe(`${env.registry}/${repository}:moving`);
    expect(await tagDigest(second.reference)).toBe(second.digest);
    expect(await tagDigest(first.pinned)).toBe(first.digest);
  });

  it.each([
    ['basic', env.basicRegistry],
    ['token', env.tokenRegistry],
  ])('pushes to the %s-auth registry with the auth file, and is refused without it', async (_kind, registry) => {
    const pushed = await pushFreshImage({ registry, repository, tag: 'auth', authFile: authFile() });
    expect(await tagDigest(pushed.reference, authFile())).toBe(pushed.digest);
    await expect(pushFreshImage({ registry, repository, tag: 'anonymous' })).rejects.toThrow(/unauthorized|authentication required|denied/);
    const anonymous = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${pushed.pinned}`]);
    expect(anonymous.ok).toBe(false);
    expect(anonymous.stderr).toMatch(/unauthorized|authentication required|denied/);
  });

  it.each(['markerLayerDigest', 'configDigest'] as const)('a tampered blob (%s) fails a plain skopeo copy as a digest mismatch; restored, the copy works', async (blob) => {
    const image = await pushFreshImage({ registry: env.registry, repository, tag: `tampered-${blob.toLowerCase()}` });
    const copy = (name: string) => skopeo(['copy', '--src-tls-verify=false', `docker://${image.pinned}`, `oci:${join(work, name)}:x`]);
    const restore = tamperBlob(env.registryDataDir, image[blob]);
    let refused;
    try {
      refused = await copy(`${blob}-tampered`);
    } finally {
      restore();
    }
    expect(refused.ok).toBe(false);
    expect(refused.stderr).toMatch(/[Dd]igest did not match|does not match/);
    expect(refused.stderr).toContain(image[blob]);
    expect((await copy(`${blob}-restored`)).ok).toBe(true);
  });
});
