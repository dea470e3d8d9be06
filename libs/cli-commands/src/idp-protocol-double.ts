import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the double received. */
export interface SeenRequest {
  path: string;
  params: Record<string, string>;
  /** The Basic credentials' client id, when the client sent some. */
  basicClientId?: string;
  at: number;
}

/** An answer of the token endpoint: an RFC 6749 section 5.2 error, or tokens. */
export type TokenAnswer =
  | { error: string; description?: string; status?: number }
  | { accessToken: string; refreshToken?: string; expiresIn?: number };

/**
 * A protocol test double of an OAuth 2.0 provider over real HTTP on 127.0.0.1 (for unit
 * specs of the CLI's OAuth client; the integration specs use the real dev IdP): discovery,
 * device authorization (RFC 8628), a token endpoint that answers from a script, and
 * revocation (RFC 7009). Not a provider: it checks nothing but what a spec asks it to.
 */
export class IdpProtocolDouble {
  readonly seen: SeenRequest[] = [];
  /** What the token endpoint answers next, in order; the last one repeats. */
  tokenAnswers: TokenAnswer[] = [];
  /** The device authorization response's fields. */
  device: { interval?: number; expiresIn: number; userCode: string; verificationUriComplete?: boolean } = { interval: 0.05, expiresIn: 600, userCode: 'WDJB-MJHT' };
  /** Whether discovery names these endpoints. */
  offers = { device: true, revocation: true };
  private server?: Server;
  issuer = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** The token endpoint's requests, by grant type. */
  grants(type: string): SeenRequest[] {
    return this.seen.filter((r) => r.path === '/token' && r.params['grant_type'] === type);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.issuer);
    let body = '';
    for await (const chunk of request) body += String(chunk);
    const seen: SeenRequest = { path: url.pathname, params: Object.fromEntries(new URLSearchParams(body)), at: Date.now() };
    const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (basic) seen.basicClientId = decodeURIComponent(Buffer.from(basic, 'base64').toString().split(':')[0] ?? '');
    this.seen.push(seen);
    const json = (status: number, value: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(value));
    };
    switch (url.pathname) {
      case '/.well-known/openid-configuration':
      case '/.well-known/oauth-authorization-server':
        return json(200, {
          issuer: this.issuer,
          token_endpoint: `${this.issuer}/token`,
          authorization_endpoint: `${this.issuer}/auth`,
          jwks_uri: `${this.issuer}/jwks`,
          ...(this.offers.device ? { device_authorization_endpoint: `${this.issuer}/device/auth` } : {}),
          ...(this.offers.revocation ? { revocation_endpoint: `${this.issuer}/revoke` } : {}),
          grant_types_supported: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token', 'client_credentials'],
        });
      case '/device/auth':
        return json(200, {
          device_code: 'device-code-1',
          user_code: this.device.userCode,
          verification_uri: `${this.issuer}/device`,
          ...(this.device.verificationUriComplete === false ? {} : { verification_uri_complete: `${this.issuer}/device?user_code=${this.device.userCode}` }),
          expires_in: this.device.expiresIn,
          ...(this.device.interval === undefined ? {} : { interval: this.device.interval }),
        });
      case '/token': {
        const answer = this.tokenAnswers.length > 1 ? this.tokenAnswers.shift() : this.tokenAnswers[0];
        if (answer === undefined) return json(400, { error: 'invalid_request', error_description: 'no answer scripted' });
        if ('error' in answer) return json(answer.status ?? 400, { error: answer.error, ...(answer.description ? { error_description: answer.description } : {}) });
        return json(200, {
          access_token: answer.accessToken,
          token_type: 'Bearer',
          ...(answer.expiresIn === undefined ? {} : { expires_in: answer.expiresIn }),
          ...(answer.refreshToken === undefined ? {} : { refresh_token: answer.refreshToken }),
        });
      }
      case '/revoke':
        response.writeHead(200);
        return void response.end();
      default:
        return json(404, { error: 'not_found' });
    }
  }
}
