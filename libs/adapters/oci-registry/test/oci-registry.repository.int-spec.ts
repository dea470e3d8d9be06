import { createHash, randomBytes } from 'node:crypto';
import { OciRegistryRepository } from '../src';
import { errorCode, freePort, testEnv } from '@cairn/testing';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** Resolves to the CairnError code the promise rejected with (fails if it resolved or threw anything else). */
describe('OciRegistryRepository [real: OCI registry (distribution 2.8)]', () => {
  const { registry } = testEnv();
  const registryRepo = new OciRegistryRepository({ defaultRegistry: registry, insecureRegistries: [registry] });

  it('resolves a tag to the digest the registry itself reports, pinned to registry/repository@digest', async () => {
    const image = await registryRepo.resolve('lab/busybox:1.36');

    expect(image.reference).toBe('lab/busybox:1.36');
    expect(image.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(image.pinned).toBe(`${registry}/lab/busybox@${image.digest}`);

    const head = await fetch(`http://${registry}/v2/lab/busybox/manifests/1.36`, { method: 'HEAD', headers: { Accept: OCI_MANIFEST } });
    expect(head.status).toBe(200);
    expect(head.headers.get('docker-content-digest')).toBe(image.digest);

    // The digest is the content address of the manifest bytes, not just a header the registry chose.
    const manifest = await fetch(`http://${registry}/v2/lab/busybox/manifests/1.36`, { headers: { Accept: OCI_MANIFEST } });
    const bytes = Buffer.from(await manifest.arrayBuffer());
    expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(image.digest);
  });

  it('resolves the digest it pinned, and the same tag named with its registry host', async () => {
    const byTag = await registryRepo.resolve('lab/busybox:1.36');

    const byDigest = await registryRepo.resolve(`lab/busybox@${byTag.digest}`);
    expect(byDigest).toEqual({ reference: `lab/busybox@${byTag.digest}`, pinned: byTag.pinned, digest: byTag.digest });

    const withHost = await registryRepo.resolve(`${registry}/lab/busybox:1.36`);
    expect(withHost.pinned).toBe(byTag.pinned);
  });

  it('rejects an unknown tag with NOT_FOUND naming the image', async () => {
    const reference = `lab/busybox:no-such-tag-${randomBytes(4).toString('hex')}`;
    await expect(registryRepo.resolve(reference)).rejects.toThrow(`image "${reference}" not found in registry ${registry}`);
    expect(await errorCode(registryRepo.resolve(reference))).toBe('NOT_FOUND');
  });

  it('rejects an unknown repository with NOT_FOUND', async () => {
    const reference = `lab/no-such-repo-${randomBytes(4).toString('hex')}:1.0`;
    expect(await errorCode(registryRepo.resolve(reference))).toBe('NOT_FOUND');
  });

  it('rejects a digest the repository does not hold with NOT_FOUND', async () => {
    const reference = `lab/busybox@sha256:${randomBytes(32).toString('hex')}`;
    expect(await errorCode(registryRepo.resolve(reference))).toBe('NOT_FOUND');
  });

  it('rejects with UNAVAILABLE when nothing answers on the registry port', async () => {
    const silent = `127.0.0.1:${await freePort()}`;
    const repo = new OciRegistryRepository({ defaultRegistry: silent, insecureRegistries: [silent], timeoutMs: 5_000 });
    await expect(repo.resolve('lab/busybox:1.36')).rejects.toThrow(`registry ${silent} did not answer`);
    expect(await errorCode(repo.resolve('lab/busybox:1.36'))).toBe('UNAVAILABLE');
  });

  it('speaks TLS to a registry not listed as insecure, so a plain-HTTP registry is UNAVAILABLE', async () => {
    const strict = new OciRegistryRepository({ defaultRegistry: registry, insecureRegistries: [], timeoutMs: 5_000 });
    expect(await errorCode(strict.resolve('lab/busybox:1.36'))).toBe('UNAVAILABLE');
  });
});
