import { connect, type NatsConnection } from 'nats';

export type { NatsConnection } from 'nats';

export interface NatsConnectOptions {
  url: string;
  name: string;
  user?: string;
  password?: string;
}

/** Connects and keeps reconnecting forever: a service outlives NATS restarts. */
export function connectNats(options: NatsConnectOptions): Promise<NatsConnection> {
  return connect({
    servers: options.url.split(','),
    name: options.name,
    user: options.user,
    pass: options.password,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    timeout: 10_000,
  });
}
