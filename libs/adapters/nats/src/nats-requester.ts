import { CairnError, parseOrThrow } from '@cairn/contracts';
import { ErrorCode as NatsErrorCode, type NatsConnection, NatsError } from 'nats';
import type { z } from 'zod';
import { decodeJson, openEnvelope } from './envelope';
import { encodeBounded, maxPayloadOf, payloadTooLarge } from './payload-limit';

/** Nobody subscribes to the subject: the request reached no one (unlike a timeout). */
export class NoRespondersError extends CairnError {
  constructor(subject: string) {
    super('UNAVAILABLE', `no service answers on ${subject}`);
  }
}

/**
 * Sends a request and validates the reply; failures come back as CairnErrors. A request
 * over the server's max_payload is refused before it is sent (RESOURCE_EXHAUSTED).
 */
export class NatsRequester {
  constructor(private readonly nc: NatsConnection) {}

  /** The largest request body the server accepts. */
  maxPayload(): number {
    return maxPayloadOf(this.nc);
  }

  async request<S extends z.ZodType>(subject: string, payload: unknown, reply: S, timeoutMs = 10_000): Promise<z.output<S>> {
    const body = encodeBounded(payload, maxPayloadOf(this.nc), `the request on ${subject}`);
    let data: Uint8Array;
    try {
      data = (await this.nc.request(subject, body, { timeout: timeoutMs })).data;
    } catch (error) {
      if (error instanceof NatsError && error.code === NatsErrorCode.MaxPayloadExceeded) {
        throw payloadTooLarge(`the request on ${subject}`, body.length, maxPayloadOf(this.nc));
      }
      if (error instanceof NatsError && error.code === NatsErrorCode.NoResponders) {
        throw new NoRespondersError(subject);
      }
      if (error instanceof NatsError && error.code === NatsErrorCode.Timeout) {
        throw new CairnError('DEADLINE_EXCEEDED', `no reply on ${subject} within ${timeoutMs} ms`);
      }
      throw new CairnError('UNAVAILABLE', `request on ${subject} failed: ${(error as Error).message}`);
    }
    let raw: unknown;
    try {
      raw = decodeJson(data);
    } catch {
      throw new CairnError('INTERNAL', `reply on ${subject} is not JSON`);
    }
    const opened = openEnvelope(raw);
    try {
      return parseOrThrow(reply, opened);
    } catch (error) {
      throw new CairnError('INTERNAL', `malformed reply on ${subject}: ${(error as Error).message}`);
    }
  }
}
