import { CairnError } from '@cairn/contracts';
import { parseAuthChallenges, type AuthChallenge } from './auth-challenge';
import { discardBody, readBounded } from './bounded-body';
import { tokenSchema } from './manifest-schemas';
import type { RegistryCredential, RegistryCredentials } from './registry-credentials';

/** Largest token endpoint answer read. */
export const MAX_TOKEN_BYTES = 64 * 1024;
/** Largest error body read (for the registry's error code). */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Lifetime of a token whose answer gives none (distribution's token spec: 60 s). */
const DEFAULT_TOKEN_SECONDS = 60;

/** One resolution's view of a registry: where, which repository, until when. */
export interface RegistryTarget {
  /** host[:port] as the reference names it ("docker.io"). */
  registry: string;
  repository: string;
  /** Aborts every request of this resolution at its deadline. */
  signal: AbortSignal;
  timeoutMs: number;
}

export interface RegistryAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** docker.io's API is on registry-1.docker.io; everything else on its own host. */
export function apiHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

/**
 * HTTP to registries with their auth challenges: a 401 with `Bearer realm=...` gets a token
 * from the realm (with the registry's credentials as Basic, if configured), cached per
 * (registry, scope) until it expires; a 401 with `Basic` gets the credentials. Every error is
 * a CairnError naming the registry, never a secret.
 */
export class RegistryTransport {
  private readonly authorizations = new Map<string, { header: string; expiresAt: number }>();

  constructor(
    private readonly insecureRegistries: ReadonlySet<string>,
    private readonly credentials: RegistryCredentials,
    private readonly now: () => number = Date.now,
  ) {}

  /** GET `path` (below /v2/) of the target's registry; a 2xx body is read up to `limit` bytes. */
  async get(target: RegistryTarget, path: string, accept: string, limit: number, what: string): Promise<RegistryAnswer> {
    const url = `${this.scheme(target.registry)}://${apiHost(target.registry)}/v2/${path}`;
    const scope = `repository:${target.repository}:pull`;
    const key = `${target.registry} ${scope}`;
    const cached = this.authorizations.get(key);
    const authorization = cached && cached.expiresAt > this.now() ? cached.header : undefined;
    let response = await this.send(target, url, accept, authorization, `registry ${target.registry}`);
    if (response.status === 401) {
      const challenges = parseAuthChallenges(response.headers.get('www-authenticate'));
      await discardBody(response);
      const fresh = await this.authorize(target, challenges, scope);
      this.authorizations.set(key, fresh);
      response = await this.send(target, url, accept, fresh.header, `registry ${target.registry}`);
      if (response.status === 401) {
        await discardBody(response);
        const credential = this.credentials.lookup(target.registry, target.repository);
        throw this.denied(
          target,
          credential
            ? `refused the configured credentials (user ${JSON.stringify(credential.username)})`
            : 'refused anonymous access; no credentials are configured for it',
        );
      }
    }
    const ok = response.status >= 200 && response.status < 300;
    const body = await this.read(target, response, ok ? limit : MAX_ERROR_BODY_BYTES, ok ? what : `error answer of registry ${target.registry}`);
    return { status: response.status, headers: response.headers, body };
  }

  /** Forgets every cached token and Basic authorization. */
  clear(): void {
    this.authorizations.clear();
  }

  private scheme(host: string): 'http' | 'https' {
    return this.insecureRegistries.has(host) ? 'http' : 'https';
  }

  private async authorize(target: RegistryTarget, challenges: AuthChallenge[], scope: string): Promise<{ header: string; expiresAt: number }> {
    const credential = this.credentials.lookup(target.registry, target.repository);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) return this.token(target, bearer, scope, credential);
    if (challenges.some((c) => c.scheme === 'basic')) {
      if (!credential) throw this.denied(target, 'asks for credentials (Basic) and no credentials are configured for it');
      return { header: credential.basicAuthorization(), expiresAt: Number.POSITIVE_INFINITY };
    }
    throw this.denied(target, challenges[0] ? `asks for an authentication scheme Cairn does not speak (${challenges[0].scheme})` : 'answered 401 without a challenge');
  }

  private async token(
    target: RegistryTarget,
    challenge: AuthChallenge,
    scope: string,
    credential: RegistryCredential | undefined,
  ): Promise<{ header: string; expiresAt: number }> {
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm ?? '');
    } catch {
      throw this.denied(target, 'sent a Bearer challenge without a usable realm');
    }
    // Credentials travel in clear only to a plain-HTTP registry's own (insecure) token service.
    const plainAllowed = this.insecureRegistries.has(target.registry);
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && plainAllowed)) {
      throw this.denied(target, `sent a token realm that is not https (${realm.origin})`);
    }
    if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
    realm.searchParams.set('scope', challenge.params.scope || scope);
    const service = `token service ${realm.origin} of registry ${target.registry}`;
    const response = await this.send(target, realm.toString(), 'application/json', credential?.basicAuthorization(), service);
    if (response.status === 401 || response.status === 403) {
      await discardBody(response);
      throw new CairnError(
        'PERMISSION_DENIED',
        credential
          ? `${service} refused the configured credentials (user ${JSON.stringify(credential.username)}) for ${target.repository}`
          : `${service} refused anonymous access to ${target.repository}; no credentials are configured for ${target.registry}`,
      );
    }
    if (response.status < 200 || response.status >= 300) {
      await discardBody(response);
      throw new CairnError('UNAVAILABLE', `${service} answered ${response.status}`);
    }
    const body = await this.read(target, response, MAX_TOKEN_BYTES, `answer of ${service}`);
    let parsed;
    try {
      parsed = tokenSchema.safeParse(JSON.parse(body.toString('utf8')));
    } catch {
      parsed = undefined;
    }
    const token = parsed?.success ? (parsed.data.token ?? parsed.data.access_token) : undefined;
    if (!parsed?.success || !token) throw new CairnError('UNAVAILABLE', `${service} sent no token`);
    const seconds = parsed.data.expires_in ?? DEFAULT_TOKEN_SECONDS;
    // Renew a little early (a tenth of the lifetime, at most 30 s) so a token never expires in flight.
    const margin = Math.min(30, seconds / 10);
    return { header: `Bearer ${token}`, expiresAt: this.now() + (seconds - margin) * 1000 };
  }

  private async send(target: RegistryTarget, url: string, accept: string, authorization: string | undefined, who: string): Promise<Response> {
    const headers: Record<string, string> = { Accept: accept };
    if (authorization) headers.Authorization = authorization;
    try {
      return await fetch(url, { headers, signal: target.signal, redirect: 'follow' });
    } catch (error) {
      throw this.unavailable(target, error, who);
    }
  }

  private async read(target: RegistryTarget, response: Response, limit: number, what: string): Promise<Buffer> {
    try {
      return await readBounded(response, limit, what);
    } catch (error) {
      if (error instanceof CairnError) throw error;
      throw this.unavailable(target, error, `registry ${target.registry}`);
    }
  }

  private unavailable(target: RegistryTarget, error: unknown, who: string): CairnError {
    if (target.signal.aborted) return new CairnError('UNAVAILABLE', `${who} did not answer within ${target.timeoutMs} ms`);
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const reason = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : (error as Error).message;
    return new CairnError('UNAVAILABLE', `${who} cannot be reached: ${reason}`);
  }

  private denied(target: RegistryTarget, why: string): CairnError {
    return new CairnError('PERMISSION_DENIED', `registry ${target.registry} ${why} (repository ${target.repository})`);
  }
}
