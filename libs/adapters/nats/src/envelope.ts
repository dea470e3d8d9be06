import { CairnError, ERROR_CODES, type ErrorCode } from '@cairn/contracts';

/** Every reply on Cairn's request/reply subjects is one of these (JSON). */
export type Envelope<T> = { ok: true; data: T } | { ok: false; error: { code: ErrorCode; message: string } };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function decodeJson(data: Uint8Array): unknown {
  return JSON.parse(decoder.decode(data));
}

export function okEnvelope<T>(data: T): Envelope<T> {
  return { ok: true, data };
}

/** Turns any thrown value into an error envelope; unexpected errors become INTERNAL. */
export function errorEnvelope(error: unknown): Envelope<never> {
  if (error instanceof CairnError) return { ok: false, error: { code: error.code, message: error.message } };
  return { ok: false, error: { code: 'INTERNAL', message: 'internal error' } };
}

/**
 * The envelope of what `work` gives: ok with its value, or the error envelope of what it
 * threw; an unexpected error (INTERNAL, whose detail the envelope hides) is passed to
 * `onUnexpected` first, for the log.
 */
export async function envelopeOf<T>(work: () => Promise<T>, onUnexpected: (error: unknown) => void): Promise<Envelope<T>> {
  try {
    return okEnvelope(await work());
  } catch (error) {
    const envelope = errorEnvelope(error);
    if (!envelope.ok && envelope.error.code === 'INTERNAL') onUnexpected(error);
    return envelope;
  }
}

/** Reads a reply envelope; an error envelope is thrown back as the CairnError it was. */
export function openEnvelope(raw: unknown): unknown {
  if (typeof raw === 'object' && raw !== null && 'ok' in raw) {
    const envelope = raw as Envelope<unknown>;
    if (envelope.ok) return envelope.data;
    const code = (ERROR_CODES as readonly string[]).includes(envelope.error?.code) ? envelope.error.code : 'INTERNAL';
    throw new CairnError(code, String(envelope.error?.message ?? 'unknown error'));
  }
  throw new CairnError('INTERNAL', 'malformed reply');
}
