import { CairnError, parseOrThrow } from '@cairn/contracts';
import { ErrorCode as NatsErrorCode, type NatsConnection, NatsError } from 'nats';
import type { z } from 'zod';
import { decodeJson, encodeJson, openEnvelope } from './envelope';

/** Sends a request and validates the reply; failures come back as CairnErrors. */
export class NatsRequester {
  constructor(private readonly nc: NatsConnection) {}

  async request<S extends z.ZodType>(subject: string, payload: unknown, reply: S, timeoutMs = 10_000): Promise<z.output<S>> {
    let data: Uint8Array;
    try {
      data = (await this.nc.request(subject, encodeJson(payload), { timeout: timeoutMs })).data;
    } catch (error) {
      if (error instanceof NatsError && error.code === NatsErrorCode.NoResponders) {
        throw new CairnError('UNAVAILABLE', `no service answers on ${subject}`);
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
