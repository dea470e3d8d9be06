import { createServer, type Server } from 'node:http';
import { exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT, type CryptoKey } from 'jose';

/** A signing key of a test issuer. */
interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

export interface SignOptions {
  /** Claims over the defaults (iss, sub "alice", aud "cairn", iat now, exp in 5 minutes); `undefined` removes one. */
  claims?: Record<string, unknown>;
  /** Sign with this key id of the issuer (default: its newest key). */
  kid?: string;
  /** Put this `kid` in the header instead of the signing key's own. */
  headerKid?: string;
}

/**
 * A real OpenID issuer for specs: an HTTP server on 127.0.0.1 (port 0) publishing its
 * discovery document and JWKS, with jose keys that sign tokens, can rotate, and can be
 * used to forge the hostile kinds of token (alg none, HS256 with the public key).
 */
export class TestIssuer {
  private keys: SigningKey[] = [];
  /** How many times the JWKS was fetched. */
  jwksFetches = 0;

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
  ) {}

  static async start(options: { kid?: string; alg?: 'RS256' | 'ES256' } = {}): Promise<TestIssuer> {
    const started: { self?: TestIssuer } = {};
    const server = createServer((request, response) => {
      const self = started.self;
      if (!self) return void response.writeHead(503).end();
      if (request.url === '/.well-known/openid-configuration') {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: self.issuer, jwks_uri: `${self.issuer}/jwks` }));
      } else if (request.url === '/jwks') {
        self.jwksFetches += 1;
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: self.keys.map((key) => key.jwk) }));
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const self = new TestIssuer(server, `http://127.0.0.1:${port}`);
    await self.addKey(options.kid ?? 'key-1', options.alg ?? 'RS256');
    started.self = self;
    return self;
  }

  /** Adds (and publishes) a new signing key, which becomes the default: a key rotation. */
  async addKey(kid: string, alg: 'RS256' | 'ES256' = 'RS256'): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    this.keys.push({ kid, alg, privateKey, publicKey, jwk });
  }

  /** Stops publishing every key but the newest. */
  dropOldKeys(): void {
    this.keys = this.keys.slice(-1);
  }

  private key(kid?: string): SigningKey {
    const key = kid === undefined ? this.keys[this.keys.length - 1] : this.keys.find((candidate) => candidate.kid === kid);
    if (!key) throw new Error(`no key ${kid ?? '(none)'}`);
    return key;
  }

  private payload(claims: Record<string, unknown> = {}): JWTPayload {
    const now = Math.floor(Date.now() / 1000);
    const merged: Record<string, unknown> = { iss: this.issuer, sub: 'alice', aud: 'cairn', iat: now, exp: now + 300, ...claims };
    return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
  }

  /** A token signed by one of this issuer's keys. */
  sign(options: SignOptions = {}): Promise<string> {
    const key = this.key(options.kid);
    return new SignJWT(this.payload(options.claims)).setProtectedHeader({ alg: key.alg, kid: options.headerKid ?? key.kid, typ: 'JWT' }).sign(key.privateKey);
  }

  /** An unsigned token (`alg: none`) with the issuer's claims. */
  unsigned(claims: Record<string, unknown> = {}): string {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${part({ alg: 'none', typ: 'JWT', kid: this.key().kid })}.${part(this.payload(claims))}.`;
  }

  /** The classic confusion attack: HS256 with the issuer's public key (PEM) as the HMAC secret. */
  async hmacWithPublicKey(claims: Record<string, unknown> = {}): Promise<string> {
    const key = this.key();
    const secret = new TextEncoder().encode(await exportSPKI(key.publicKey));
    return new SignJWT(this.payload(claims)).setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' }).sign(secret);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
