import { X509Certificate } from 'node:crypto';
import { decodeProtectedHeader, importX509, jwtVerify } from 'jose';
import { testSigner } from '../test/test-signer';
import { signRegistryToken } from './token';

describe('signRegistryToken', () => {
  const signer = testSigner();
  const now = Math.floor(Date.now() / 1000);
  const access = [{ type: 'repository', name: 'lab/busybox', actions: ['pull', 'push'] }];
  const token = signRegistryToken({ issuer: 'test-issuer', service: 'test-service', subject: 'cairn-dev', access, now, ttlSeconds: 300 }, signer);

  it('is an RS256 JWT whose x5c carries the signing certificate', () => {
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(header.x5c).toHaveLength(1);
    const cert = new X509Certificate(Buffer.from(header.x5c?.[0] ?? '', 'base64'));
    expect(cert.fingerprint256).toBe(new X509Certificate(signer.certPem).fingerprint256);
  });

  it('verifies with the certificate and carries the distribution token claims', async () => {
    const { payload } = await jwtVerify(token, await importX509(signer.certPem, 'RS256'), { issuer: 'test-issuer', audience: 'test-service' });
    expect(payload).toMatchObject({ iss: 'test-issuer', sub: 'cairn-dev', aud: 'test-service', iat: now, exp: now + 300, access });
    expect(payload.nbf).toBeLessThanOrEqual(now);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives every token its own jti', () => {
    const again = signRegistryToken({ issuer: 'i', service: 's', subject: '', access: [], now, ttlSeconds: 1 }, signer);
    const other = signRegistryToken({ issuer: 'i', service: 's', subject: '', access: [], now, ttlSeconds: 1 }, signer);
    expect(again).not.toBe(other);
  });

  it('does not verify once tampered with', async () => {
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ iss: 'test-issuer', aud: 'test-service', sub: 'x', exp: now + 300, access: [{ type: 'repository', name: '*', actions: ['*'] }] })).toString('base64url');
    await expect(jwtVerify(`${header}.${forged}.${signature}`, await importX509(signer.certPem, 'RS256'))).rejects.toThrow(/signature/);
  });
});
