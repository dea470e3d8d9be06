import { createHash } from 'node:crypto';

/** A person's portal session, held server-side only: the browser has only its id. */
export interface PortalSession {
  /** When it began and when it ends however often it is refreshed (epoch ms). */
  createdAt: number;
  endsAt: number;
  /** What to call the person (ID token: preferred_username, name or sub). */
  name: string;
  accessToken: string;
  /** When the access token expires (epoch ms). */
  accessExpiresAt: number;
  refreshToken?: string;
}

/** Where sessions live (in memory here; a shared store would let several gateways share them). */
export interface SessionStore {
  get(id: string): PortalSession | undefined;
  set(id: string, session: PortalSession): void;
  delete(id: string): void;
  readonly size: number;
}

/** Keys are the SHA-256 of the session id, so what is held cannot be replayed as a cookie. */
const keyOf = (id: string) => createHash('sha256').update(id).digest('base64url');

/**
 * Sessions in memory, at most `max`: a new one over the cap first drops the ended ones,
 * then the oldest.
 */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, PortalSession>();

  constructor(
    private readonly max: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): PortalSession | undefined {
    return this.sessions.get(keyOf(id));
  }

  set(id: string, session: PortalSession): void {
    const key = keyOf(id);
    if (!this.sessions.has(key) && this.sessions.size >= this.max) this.makeRoom();
    this.sessions.set(key, session);
  }

  delete(id: string): void {
    this.sessions.delete(keyOf(id));
  }

  private makeRoom(): void {
    const now = this.now();
    for (const [key, session] of this.sessions) if (session.endsAt <= now) this.sessions.delete(key);
    // Maps iterate in insertion order: the first is the oldest.
    while (this.sessions.size >= this.max) {
      const oldest = this.sessions.keys().next();
      if (oldest.done) break;
      this.sessions.delete(oldest.value);
    }
  }
}
