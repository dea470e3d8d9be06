import { connect, type NatsConnection } from 'nats';
import { natsInboxPrefix } from '@cairn/contracts';
import { DEFAULT_MAX_PAYLOAD, maxPayloadOf } from './payload-limit';

export type { NatsConnection } from 'nats';

export interface NatsConnectOptions {
  url: string;
  name: string;
  user?: string;
  password?: string;
  /** PEM file of the CA that signed the server's certificate: the connection uses TLS and verifies the server with it. */
  ca?: string;
  /**
   * The smallest max_payload the server may have (default 1 MiB, NATS's default): Cairn's
   * pages and size limits are made for it. Only tests of size limits lower it.
   */
  minMaxPayload?: number;
}

/**
 * Connects and keeps reconnecting forever: a service outlives NATS restarts. Refuses a
 * server whose max_payload is below what Cairn's messages are sized for. A user's replies
 * and JetStream deliveries come to its own inboxes (`_INBOX.<user>.>`), the only ones its
 * NATS permissions let it hear (libs/contracts/src/nats-permissions.ts). With `ca`, the
 * server must prove itself with a certificate that CA signed.
 */
export async function connectNats(options: NatsConnectOptions): Promise<NatsConnection> {
  const nc = await connect({
    servers: options.url.split(','),
    name: options.name,
    user: options.user,
    pass: options.password,
    inboxPrefix: options.user === undefined ? undefined : natsInboxPrefix(options.user),
    tls: options.ca === undefined ? undefined : { caFile: options.ca },
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    timeout: 10_000,
    // No Error (and stack trace) made in advance for every request and JetStream publish, in
    // case it times out: Cairn turns NATS failures into its own errors (NatsRequester).
    noAsyncTraces: true,
  });
  const max = maxPayloadOf(nc);
  const needed = options.minMaxPayload ?? DEFAULT_MAX_PAYLOAD;
  if (max < needed) {
    await nc.close();
    throw new Error(`NATS at ${options.url} accepts messages of at most ${max} bytes (max_payload); Cairn needs at least ${needed}`);
  }
  return nc;
}
