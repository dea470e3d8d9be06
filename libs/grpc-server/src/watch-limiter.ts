import type { Metadata } from '@grpc/grpc-js';
import { CairnError, type Principal } from '@cairn/contracts';

/** What a watch call tells about its client. */
export interface WatchCaller {
  getPeer(): string;
  metadata: Metadata;
}

/** Who holds a stream when the caller is not known: by default the peer's address. */
export type ClientKey = (call: WatchCaller) => string;

/**
 * The client's address without its port, from grpc-js's peer string: "127.0.0.1:50123" →
 * "127.0.0.1", "::1:50123" → "::1", "[::1]:50123" → "[::1]", "ipv4:10.0.0.1:1" →
 * "ipv4:10.0.0.1"; anything else ("unknown", a socket path) as it is.
 */
export function peerHost(peer: string): string {
  const match = /^(.+):\d{1,5}$/.exec(peer);
  const host = match?.[1];
  return host && (/^[\d.]+$/.test(host) || host.includes(':') || host.startsWith('[')) ? host : peer;
}

export const byPeerAddress: ClientKey = (call) => peerHost(call.getPeer());

export interface WatchLimits {
  /** Most streams one client may hold at once. */
  perClient: number;
  /** Most streams all clients together may hold at once. */
  total: number;
}

/**
 * The key of an authenticated person: issuer and subject. Every portal user reaches the
 * gateway from the same peer (its portal server), so a known caller is counted as a person.
 */
export function personKey(caller: Pick<Principal, 'issuer' | 'subject'>): string {
  return `person ${JSON.stringify([caller.issuer, caller.subject])}`;
}

/**
 * Counts the open watch streams (each holds a JetStream consumer) per client (the
 * authenticated person when known, else `clientKey`) and in all, and refuses a new one over
 * either cap with RESOURCE_EXHAUSTED.
 */
export class WatchLimiter {
  private readonly byClient = new Map<string, number>();
  private open = 0;

  constructor(
    readonly limits: WatchLimits,
    readonly clientKey: ClientKey = byPeerAddress,
  ) {}

  /** Takes a slot for the caller (the person, when `caller` is given); returns the function that frees it (once). */
  acquire(call: WatchCaller, caller?: Pick<Principal, 'issuer' | 'subject'>): () => void {
    const key = caller === undefined ? this.clientKey(call) : personKey(caller);
    const mine = this.byClient.get(key) ?? 0;
    if (mine >= this.limits.perClient) {
      throw new CairnError('RESOURCE_EXHAUSTED', `too many watch streams from this client: ${mine} open, at most ${this.limits.perClient}; close one first`);
    }
    if (this.open >= this.limits.total) {
      throw new CairnError('RESOURCE_EXHAUSTED', `the gateway holds its maximum of ${this.limits.total} watch streams; try again later`);
    }
    this.byClient.set(key, mine + 1);
    this.open += 1;
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      this.open -= 1;
      const left = (this.byClient.get(key) ?? 1) - 1;
      if (left > 0) this.byClient.set(key, left);
      else this.byClient.delete(key);
    };
  }

  /** Streams open now: in all, or of one client key. */
  count(key?: string): number {
    return key === undefined ? this.open : (this.byClient.get(key) ?? 0);
  }
}
