/**
 * gRPC-Web framing (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md): the body
 * is gRPC's length-prefixed messages (1 flag byte, 4 bytes big-endian length, the message),
 * and the trailers travel as one last frame with flag 0x80 holding "name: value\r\n" lines.
 */

/** The flag of a trailer frame. */
export const TRAILER_FLAG = 0x80;
const HEADER_BYTES = 5;

/**
 * Checks that `body` is exactly one uncompressed message frame (what a unary or
 * server-streaming call sends) of at most `maxMessageBytes`; returns why not, or undefined.
 */
export function checkSingleMessage(body: Buffer, maxMessageBytes: number): string | undefined {
  if (body.length < HEADER_BYTES) return 'the request holds no complete gRPC-Web message frame';
  const flag = body.readUInt8(0);
  if (flag !== 0) return flag & 1 ? 'compressed request messages are not accepted' : `unexpected frame flag 0x${flag.toString(16)}`;
  const length = body.readUInt32BE(1);
  if (length > maxMessageBytes) return `the request message is ${length} bytes, at most ${maxMessageBytes}`;
  if (body.length !== HEADER_BYTES + length) return 'the request is not exactly one gRPC-Web message frame';
  return undefined;
}

/** gRPC percent-encodes grpc-message (PROTOCOL-HTTP2.md): printable ASCII except "%" as is. */
export function encodeGrpcMessage(message: string): string {
  return Array.from(Buffer.from(message, 'utf8'))
    .map((b) => (b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

/** The trailer frame carrying a call's final status (and any other trailers, names lower-case). */
export function trailerFrame(trailers: Record<string, string>): Buffer {
  const lines = Object.entries(trailers)
    .filter(([name, value]) => /^[a-z0-9-_.]+$/.test(name) && !/[\r\n]/.test(value))
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const payload = Buffer.from(lines, 'latin1');
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(TRAILER_FLAG, 0);
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

/** A gRPC-Web frame read back (for tests and clients): a message, or the trailers. */
export type Frame = { kind: 'message'; data: Buffer } | { kind: 'trailers'; trailers: Record<string, string> };

/** Splits a complete gRPC-Web body into its frames; throws on a truncated one. */
export function readFrames(body: Buffer): Frame[] {
  const frames: Frame[] = [];
  let at = 0;
  while (at < body.length) {
    if (body.length - at < HEADER_BYTES) throw new Error('truncated gRPC-Web frame header');
    const flag = body.readUInt8(at);
    const length = body.readUInt32BE(at + 1);
    const end = at + HEADER_BYTES + length;
    if (end > body.length) throw new Error('truncated gRPC-Web frame');
    const data = body.subarray(at + HEADER_BYTES, end);
    if (flag & TRAILER_FLAG) {
      const trailers: Record<string, string> = {};
      for (const line of data.toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).replace(/^ /, '');
      }
      frames.push({ kind: 'trailers', trailers });
    } else {
      frames.push({ kind: 'message', data });
    }
    at = end;
  }
  return frames;
}

/** A message frame around `data` (clients and tests). */
export function messageFrame(data: Uint8Array): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(data.length, 1);
  return Buffer.concat([header, data]);
}

const TIMEOUT_UNITS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** A grpc-timeout header ("1 to 8 digits" and a unit) in milliseconds, or undefined when malformed. */
export function parseGrpcTimeout(value: string): number | undefined {
  const match = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (!match?.[1] || !match[2]) return undefined;
  return Number(match[1]) * (TIMEOUT_UNITS[match[2]] ?? 1);
}
