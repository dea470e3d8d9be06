export { connectNats } from './nats-connection';
export type { NatsConnection, NatsConnectOptions } from './nats-connection';
export { NatsRpcTransport } from './nats-rpc.transport';
export type { NatsRpcTransportOptions } from './nats-rpc.transport';
export { NatsRequester } from './nats-requester';
export { JetStreamRepository } from './jetstream.repository';
export type { DurableHandler, StreamDef } from './jetstream.repository';
export { decodeJson, encodeJson, errorEnvelope, okEnvelope, openEnvelope } from './envelope';
export type { Envelope } from './envelope';
