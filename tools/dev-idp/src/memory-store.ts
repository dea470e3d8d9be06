import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';

/** Most entries the store holds (sessions, grants, codes, tokens): a dev IdP's, bounded. */
export const MAX_ENTRIES = 100_000;

const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

interface Entry {
  value: unknown;
  /** Epoch milliseconds; Infinity for entries without a lifetime. */
  expiresAt: number;
}

/**
 * oidc-provider's state (sessions, grants, device codes, refresh tokens), in memory, with
 * expiry. One store outlives the providers built on it, so a provider rebuilt with new
 * signing keys keeps every session and grant (oidc-provider's own memory adapter makes a
 * store per provider).
 */
export class MemoryStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = MAX_ENTRIES,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): unknown {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** `ttlSeconds` undefined: kept until deleted (or evicted, oldest first, past the bound). */
  set(key: string, value: unknown, ttlSeconds?: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: ttlSeconds === undefined ? Number.POSITIVE_INFINITY : this.now() + ttlSeconds * 1000 });
    if (this.entries.size > this.maxEntries) this.sweep();
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Drops expired entries, then the oldest ones down to nine tenths of the bound (so a full store sweeps now and then, not on every write). */
  private sweep(): void {
    const now = this.now();
    const target = Math.floor(this.maxEntries * 0.9);
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    for (const key of this.entries.keys()) {
      if (this.entries.size <= target) break;
      this.entries.delete(key);
    }
  }

  /** An oidc-provider adapter factory over this store. */
  adapter(): AdapterFactory {
    return (model) => new StoreAdapter(model, this);
  }
}

class StoreAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly store: MemoryStore,
  ) {}

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = this.key(id);
    if (this.model === 'Session' && typeof payload.uid === 'string') this.store.set(`sessionUid:${payload.uid}`, id, expiresIn);
    if (typeof payload.userCode === 'string') this.store.set(`userCode:${payload.userCode}`, id, expiresIn);
    if (GRANTABLE.has(this.model) && typeof payload.grantId === 'string') {
      const grantKey = `grant:${payload.grantId}`;
      const members = this.store.get(grantKey);
      const list = Array.isArray(members) ? (members as string[]) : [];
      this.store.set(grantKey, [...list.filter((k) => k !== key), key]);
    }
    this.store.set(key, payload, expiresIn);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.store.get(this.key(id)) as AdapterPayload | undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = this.store.get(`userCode:${userCode}`);
    return typeof id === 'string' ? this.find(id) : undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = this.store.get(`sessionUid:${uid}`);
    return typeof id === 'string' ? this.find(id) : undefined;
  }

  async consume(id: string): Promise<void> {
    const payload = await this.find(id);
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.store.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const grantKey = `grant:${grantId}`;
    const members = this.store.get(grantKey);
    if (Array.isArray(members)) for (const key of members as string[]) this.store.delete(key);
    this.store.delete(grantKey);
  }
}
