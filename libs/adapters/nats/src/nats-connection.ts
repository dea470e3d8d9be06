import { connect, type NatsConnection } from 'nats';
import { DEFAULT_MAX_PAYLOAD, maxPayloadOf } from './payload-limit';

export type { NatsConnection } from 'nats';

export interface NatsConnectOptions {
  url: string;
  name: string;
  user?: string;
  password?: string;
  /**
   * The smallest max_payload the server may have (default 1 MiB, NATS's default): Cairn's
   * pages and size limits are made for it. Only tests of size limits lower it.
   */
  minMaxPayload?: number;
}

/**
 * Connects and keeps reconnecting forever: a service outlives NATS restarts. Refuses a
 * server whose max_payload is below what Cairn's messages are sized for.
 */
export async function connectNats(options: NatsConnectOptions): Promise<NatsConnection> {
  const nc = await connect({
    servers: options.url.split(','),
    name: options.name,
    user: options.user,
    pass: options.password,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    timeout: 10_000,
  });
  const max = maxPayloadOf(nc);
  const needed = options.minMaxPayload ?? DEFAULT_MAX_PAYLOAD;
  if (max < needed) {
    await nc.close();
    throw new Error(`NATS at ${options.url} accepts messages of at most ${max} bytes (max_payload); Cairn needs at least ${needed}`);
  }
  return nc;
}
