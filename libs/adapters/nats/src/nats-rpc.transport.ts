import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import type { Logger } from '@cairn/logging';
import type { Msg, NatsConnection, Subscription } from 'nats';
import { lastValueFrom } from 'rxjs';
import { CairnError } from '@cairn/contracts';
import { decodeJson, envelopeOf } from './envelope';
import { encodeReply, maxPayloadOf } from './payload-limit';
import { RequestSlots } from './request-slots';

/** Requests a service handles at once when its options name no limit. */
export const DEFAULT_MAX_CONCURRENT_REQUESTS = 64;

export interface NatsRpcTransportOptions {
  /** Queue group: several replicas of a service share the work. */
  queue: string;
  /** Maps a handler's @MessagePattern to its subject, e.g. to put a site into it. */
  subjectFor?: (pattern: string) => string;
  /** Subjects that answer a health probe with `{ service, status: 'SERVING' }`. */
  healthSubjects: string[];
  service: string;
  logger: Logger;
  /**
   * Most requests this service's handlers run at once, all subjects together (health
   * probes aside); default DEFAULT_MAX_CONCURRENT_REQUESTS. At the limit the transport
   * stops taking messages from its subscriptions until a handler finishes.
   */
  maxConcurrentRequests?: number;
}

/**
 * Serves Nest @MessagePattern handlers on NATS request/reply subjects with Cairn's
 * envelope. (Nest's own NATS transport wraps messages in its own envelope, which the
 * agent protocol and other-language clients should not have to know.)
 */
export class NatsRpcTransport extends Server implements CustomTransportStrategy {
  private readonly subscriptions: Subscription[] = [];
  private readonly slots: RequestSlots;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: NatsRpcTransportOptions,
  ) {
    super();
    this.slots = new RequestSlots(options.maxConcurrentRequests ?? DEFAULT_MAX_CONCURRENT_REQUESTS);
  }

  listen(callback: (...optional: unknown[]) => void): void {
    const seen = new Set<string>();
    for (const [pattern, handler] of this.messageHandlers) {
      const subject = this.options.subjectFor ? this.options.subjectFor(pattern) : pattern;
      if (seen.has(subject)) throw new Error(`two handlers for NATS subject ${subject}`);
      seen.add(subject);
      const sub = this.nc.subscribe(subject, { queue: this.options.queue });
      this.subscriptions.push(sub);
      void this.serve(sub, async (data) => lastValueFrom(this.transformToObservable(await handler(data))), this.slots);
    }
    for (const subject of this.options.healthSubjects) {
      const sub = this.nc.subscribe(subject);
      this.subscriptions.push(sub);
      // Health answers at once and holds nothing: it takes no slot, so a busy service still says it is up.
      void this.serve(sub, () => Promise.resolve({ service: this.options.service, status: 'SERVING' }));
    }
    callback();
  }

  /**
   * Handles each message of `sub`. With `slots`, a message is handled only once a slot is
   * free, and the next message is not taken from the subscription before that: over the
   * limit, messages wait in the NATS client's queue (back-pressure, not more handlers).
   */
  private async serve(sub: Subscription, handle: (data: unknown) => Promise<unknown>, slots?: RequestSlots): Promise<void> {
    for await (const msg of sub) {
      await slots?.acquire();
      void this.handleOne(msg, handle).finally(() => slots?.release());
    }
  }

  private async handleOne(msg: Msg, handle: (data: unknown) => Promise<unknown>): Promise<void> {
    const reply = await envelopeOf(
      () => handle(decodeRequest(msg.data)),
      (error) => this.options.logger.error({ err: error, subject: msg.subject }, 'handler failed'),
    );
    if (msg.reply) this.respond(msg, reply);
  }

  /**
   * Sends a reply; never throws. A reply over the server's max_payload is replaced by a
   * RESOURCE_EXHAUSTED error naming its size, so the caller learns why and the process
   * lives on; a failure to send at all (connection closing) is logged.
   */
  private respond(msg: Msg, reply: unknown): void {
    try {
      const { data, oversized } = encodeReply(reply, maxPayloadOf(this.nc), msg.subject);
      if (oversized) this.options.logger.warn({ subject: msg.subject }, 'reply over max_payload replaced by RESOURCE_EXHAUSTED');
      msg.respond(data);
    } catch (error) {
      this.options.logger.error({ err: error, subject: msg.subject }, 'reply not sent');
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain().catch(() => undefined)));
  }

  on(): void {
    throw new Error('NatsRpcTransport has no events');
  }

  unwrap<T>(): T {
    return this.nc as T;
  }
}

function decodeRequest(data: Uint8Array): unknown {
  if (data.length === 0) return undefined;
  try {
    return decodeJson(data);
  } catch {
    throw new CairnError('INVALID_ARGUMENT', 'request body is not valid JSON');
  }
}
