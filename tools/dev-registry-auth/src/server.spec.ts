import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { createTokenServer } from './server';
import { testSigner } from '../test/test-signer';

describe('the token server (real HTTP on a free loopback port)', () => {
  const lines: string[] = [];
  const password = 'a-generated-password-0123';
  const server = createTokenServer({ issuer: 'test-issuer', service: 'test-service', user: { user: 'cairn-dev', password }, signer: testSigner(), ttlSeconds: 300, log: (l) => lines.push(l) });
  let base: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });
  const token = (query: string, headers: Record<string, string> = {}) => fetch(`${base}/token?${query}`, { headers });
  const SCOPE = 'service=test-service&scope=repository:lab/busybox:pull,push,delete';

  it('grants the dev user the pull and push it asks for', async () => {
    const res = await token(SCOPE, basic('cairn-dev', password));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; access_token: string; expires_in: number; issued_at: string };
    expect(body.access_token).toBe(body.token);
    expect(body.expires_in).toBe(300);
    expect(decodeJwt(body.token)).toMatchObject({ sub: 'cairn-dev', aud: 'test-service', access: [{ type: 'repository', name: 'lab/busybox', actions: ['pull', 'push'] }] });
  });

  it('gives an anonymous request a token with no access', async () => {
    const res = await token(SCOPE);
    expect(res.status).toBe(200);
    expect(decodeJwt(((await res.json()) as { token: string }).token)).toMatchObject({ sub: '', access: [] });
  });

  it('refuses wrong or malformed credentials with 401, never echoing them', async () => {
    for (const headers of [basic('cairn-dev', 'wrong-password-xyz'), basic('alice', password), { authorization: 'Bearer abc' }]) {
      const res = await token(SCOPE, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="test-issuer"');
      const text = await res.text();
      expect(text).not.toContain('wrong-password-xyz');
    }
    expect(lines.join('\n')).not.toContain(password);
    expect(lines.join('\n')).not.toContain('wrong-password-xyz');
  });

  it('refuses another service, malformed scopes, other paths and methods', async () => {
    expect((await token('service=other&scope=repository:a:pull')).status).toBe(400);
    const bad = await token('service=test-service&scope=repository:A:pull');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ errors: [{ code: 'INVALID_SCOPE', message: expect.stringContaining('malformed scope "repository:A:pull"') }] });
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
    expect((await fetch(`${base}/token?service=test-service`, { method: 'POST' })).status).toBe(405);
  });

  it('answers /healthz with its issuer and service', async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ issuer: 'test-issuer', service: 'test-service' });
  });
});
