import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { CairnError } from '@cairn/contracts';
import { RegistryCredential, RegistryCredentials } from './registry-credentials';
import { apiHost, MAX_TOKEN_BYTES, RegistryTransport } from './registry-transport';

/**
 * The transport's auth protocol against a small local HTTP server playing a registry and its
 * token service (the real registries are in test/registry-client.int-spec.ts): token cache
 * per (registry, scope) until expiry, Basic, limits, and no secret in any error.
 */
const SECRET = 'pa55-w0rd-never-shown';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('RegistryTransport auth challenges (local HTTP server)', () => {
  let server: Server;
  let host: string;
  let handler: Handler;
  const seen: { url: string; authorization?: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    host = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => (seen.length = 0));

  const credentials = () => new RegistryCredentials(new Map([[host, new RegistryCredential('alice', SECRET)]]));
  const target = (repository = 'lab/x', timeoutMs = 5_000) => ({ registry: host, repository, signal: AbortSignal.timeout(timeoutMs), timeoutMs });

  /** A registry whose manifests need `Bearer good-<n>` tokens from /token (issued with expires_in). */
  function tokenRegistry(expiresIn: number | undefined, tokenBody?: (n: number) => string): void {
    let issued = 0;
    handler = (req, res) => {
      if (req.url?.startsWith('/token')) {
        issued++;
        if (req.headers.authorization !== new RegistryCredential('alice', SECRET).basicAuthorization()) {
          res.writeHead(401).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(tokenBody ? tokenBody(issued) : JSON.stringify({ token: `good-${issued}`, ...(expiresIn ? { expires_in: expiresIn } : {}) }));
        return;
      }
      if (req.headers.authorization?.startsWith('Bearer good-')) {
        res.writeHead(200).end('{}');
        return;
      }
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="svc",scope="repository:lab/x:pull"` }).end();
    };
  }

  async function refusal(promise: Promise<unknown>): Promise<CairnError> {
    const error = (await promise.then(
      () => new Error('resolved'),
      (e: unknown) => e,
    )) as CairnError;
    expect(error.name).toBe('CairnError');
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(Buffer.from(`alice:${SECRET}`).toString('base64'));
    return error;
  }

  it('gets a token from the realm with the credentials as Basic, passing service and scope, and caches it per (registry, scope)', async () => {
    tokenRegistry(300);
    let now = 1_000_000;
    const transport = new RegistryTransport(new Set([host]), credentials(), () => now);
    expect((await transport.get(target(), 'lab/x/manifests/1', '*/*', 1024, 'm')).status).toBe(200);
    expect(seen.map((s) => s.url)).toEqual(['/v2/lab/x/manifests/1', '/token?service=svc&scope=repository%3Alab%2Fx%3Apull', '/v2/lab/x/manifests/1']);
    expect(seen[2]?.authorization).toBe('Bearer good-1');

    seen.length = 0;
    now += 200_000;
    await transport.get(target(), 'lab/x/manifests/2', '*/*', 1024, 'm');
    expect(seen).toEqual([{ url: '/v2/lab/x/manifests/2', authorization: 'Bearer good-1' }]);

    // Another repository is another scope: its own token.
    seen.length = 0;
    await transport.get(target('lab/y'), 'lab/y/manifests/1', '*/*', 1024, 'm');
    expect(seen.map((s) => s.url)).toEqual(['/v2/lab/y/manifests/1', '/token?service=svc&scope=repository%3Alab%2Fx%3Apull', '/v2/lab/y/manifests/1']);

    // Past its lifetime (less the renewal margin) the token is not sent again.
    seen.length = 0;
    now += 80_000;
    await transport.get(target(), 'lab/x/manifests/3', '*/*', 1024, 'm');
    expect(seen[0]?.authorization).toBeUndefined();
    expect(seen[2]?.authorization).toBe('Bearer good-3');
  });

  it('takes a token without expires_in as valid 60 s, and access_token as well as token', async () => {
    tokenRegistry(undefined, (n) => JSON.stringify({ access_token: `good-${n}` }));
    let now = 0;
    const transport = new RegistryTransport(new Set([host]), credentials(), () => now);
    await transport.get(target(), 'lab/x/manifests/1', '*/*', 1024, 'm');
    seen.length = 0;
    now = 50_000;
    await transport.get(target(), 'lab/x/manifests/1', '*/*', 1024, 'm');
    expect(seen).toHaveLength(1);
    now = 61_000;
    seen.length = 0;
    await transport.get(target(), 'lab/x/manifests/1', '*/*', 1024, 'm');
    expect(seen).toHaveLength(3);
  });

  it('refuses a token answer over 64 KiB, and one without a token', async () => {
    tokenRegistry(300, () => JSON.stringify({ token: 'x'.repeat(MAX_TOKEN_BYTES) }));
    const big = await refusal(new RegistryTransport(new Set([host]), credentials()).get(target(), 'lab/x/manifests/1', '*/*', 1024, 'm'));
    expect([big.code, big.message]).toEqual(['RESOURCE_EXHAUSTED', `answer of token service http://${host} of registry ${host} is larger than ${MAX_TOKEN_BYTES} bytes`]);
    tokenRegistry(300, () => '{"nothing":1}');
    const none = await refusal(new RegistryTransport(new Set([host]), credentials()).get(target(), 'lab/x/manifests/1', '*/*', 1024, 'm'));
    expect([none.code, none.message]).toEqual(['UNAVAILABLE', `token service http://${host} of registry ${host} sent no token`]);
  });

  it('refuses a body over the limit it was given, by Content-Length or as it streams', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': '2049' }).end('x'.repeat(2049));
    };
    const declared = await refusal(new RegistryTransport(new Set([host]), RegistryCredentials.none).get(target(), 'lab/x/manifests/1', '*/*', 2048, 'manifest 1'));
    expect([declared.code, declared.message]).toEqual(['RESOURCE_EXHAUSTED', 'manifest 1 is larger than 2048 bytes']);
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('x'.repeat(2000));
      res.end('x'.repeat(49));
    };
    const streamed = await refusal(new RegistryTransport(new Set([host]), RegistryCredentials.none).get(target(), 'lab/x/manifests/1', '*/*', 2048, 'manifest 1'));
    expect(streamed.code).toBe('RESOURCE_EXHAUSTED');
    handler = (_req, res) => void res.writeHead(200).end('x'.repeat(2048));
    expect((await new RegistryTransport(new Set([host]), RegistryCredentials.none).get(target(), 'p', '*/*', 2048, 'm')).body).toHaveLength(2048);
  });

  it('answers a Basic challenge with the credentials, and refuses without or with rejected ones (no secret shown)', async () => {
    const good = new RegistryCredential('alice', SECRET).basicAuthorization();
    handler = (req, res) => {
      if (req.headers.authorization === good) res.writeHead(200).end('{}');
      else res.writeHead(401, { 'www-authenticate': 'Basic realm="reg"' }).end();
    };
    expect((await new RegistryTransport(new Set([host]), credentials()).get(target(), 'p', '*/*', 1024, 'm')).status).toBe(200);
    const none = await refusal(new RegistryTransport(new Set([host]), RegistryCredentials.none).get(target(), 'p', '*/*', 1024, 'm'));
    expect([none.code, none.message]).toEqual(['PERMISSION_DENIED', `registry ${host} asks for credentials (Basic) and no credentials are configured for it (repository lab/x)`]);
    const other = new RegistryCredentials(new Map([[host, new RegistryCredential('alice', `${SECRET}-old`)]]));
    const wrong = await refusal(new RegistryTransport(new Set([host]), other).get(target(), 'p', '*/*', 1024, 'm'));
    expect([wrong.code, wrong.message]).toEqual(['PERMISSION_DENIED', `registry ${host} refused the configured credentials (user "alice") (repository lab/x)`]);
  });

  it("talks to Docker Hub's API host for docker.io, and to every other registry as named", () => {
    expect(apiHost('docker.io')).toBe('registry-1.docker.io');
    expect(apiHost('ghcr.io')).toBe('ghcr.io');
    expect(apiHost('127.0.0.1:5000')).toBe('127.0.0.1:5000');
  });

  it('refuses a realm that is not https (or http for a plain-HTTP registry), unknown schemes and bare 401s, sending no credentials', async () => {
    const transport = new RegistryTransport(new Set([host]), credentials());
    handler = (_req, res) => void res.writeHead(401, { 'www-authenticate': 'Bearer realm="ftp://elsewhere/token"' }).end();
    const ftp = await refusal(transport.get(target(), 'p', '*/*', 1024, 'm'));
    expect([ftp.code, ftp.message]).toEqual(['PERMISSION_DENIED', `registry ${host} sent a token realm that is not https (ftp://elsewhere) (repository lab/x)`]);
    handler = (_req, res) => void res.writeHead(401, { 'www-authenticate': 'Negotiate' }).end();
    expect((await refusal(transport.get(target(), 'p', '*/*', 1024, 'm'))).message).toBe(
      `registry ${host} asks for an authentication scheme Cairn does not speak (negotiate) (repository lab/x)`,
    );
    handler = (_req, res) => void res.writeHead(401).end();
    expect((await refusal(transport.get(target(), 'p', '*/*', 1024, 'm'))).message).toBe(`registry ${host} answered 401 without a challenge (repository lab/x)`);
    expect(seen.every((s) => s.authorization === undefined)).toBe(true);
  });
});
