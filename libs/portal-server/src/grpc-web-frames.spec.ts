import fc from 'fast-check';
import { checkSingleMessage, encodeGrpcMessage, messageFrame, parseGrpcTimeout, readFrames, trailerFrame } from './grpc-web-frames';

describe('gRPC-Web frames', () => {
  it('reads back any messages and a trailer frame as written (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }), fc.integer({ min: 0, max: 16 }), fc.string({ maxLength: 80 }), (messages, code, text) => {
        const body = Buffer.concat([...messages.map((m) => messageFrame(m)), trailerFrame({ 'grpc-status': String(code), 'grpc-message': encodeGrpcMessage(text) })]);
        const frames = readFrames(body);
        expect(frames.slice(0, -1)).toEqual(messages.map((m) => ({ kind: 'message', data: Buffer.from(m) })));
        const last = frames.at(-1);
        expect(last?.kind).toBe('trailers');
        if (last?.kind === 'trailers') {
          expect(last.trailers['grpc-status']).toBe(String(code));
          expect(decodeURIComponent(last.trailers['grpc-message'] ?? '')).toBe(text);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('writes the trailer frame with flag 0x80 and "name: value\\r\\n" lines', () => {
    const frame = trailerFrame({ 'grpc-status': '5', 'grpc-message': 'job not found' });
    expect(frame[0]).toBe(0x80);
    expect(frame.readUInt32BE(1)).toBe(frame.length - 5);
    expect(frame.subarray(5).toString('latin1')).toBe('grpc-status: 5\r\ngrpc-message: job not found\r\n');
  });

  it('never lets a trailer value add a line (CR/LF dropped with its trailer)', () => {
    const frame = trailerFrame({ 'grpc-status': '2', 'grpc-message': 'a\r\nset-cookie: x=1' });
    expect(frame.subarray(5).toString('latin1')).toBe('grpc-status: 2\r\n');
  });

  it('percent-encodes grpc-message: printable ASCII but "%" as is, anything else as UTF-8 bytes', () => {
    expect(encodeGrpcMessage('not found: job 7')).toBe('not found: job 7');
    expect(encodeGrpcMessage('100% é\n')).toBe('100%25 %C3%A9%0A');
    fc.assert(fc.property(fc.string({ maxLength: 100 }), (text) => expect(/^[\x20-\x7e]*$/.test(encodeGrpcMessage(text))).toBe(true)), { numRuns: 200 });
  });

  it('accepts exactly one uncompressed message frame within the limit', () => {
    expect(checkSingleMessage(messageFrame(new Uint8Array(10)), 10)).toBeUndefined();
    expect(checkSingleMessage(messageFrame(new Uint8Array(0)), 10)).toBeUndefined();
    expect(checkSingleMessage(messageFrame(new Uint8Array(11)), 10)).toBe('the request message is 11 bytes, at most 10');
    expect(checkSingleMessage(Buffer.alloc(4), 10)).toMatch(/no complete/);
    const compressed = messageFrame(new Uint8Array(3));
    compressed[0] = 1;
    expect(checkSingleMessage(compressed, 10)).toMatch(/compressed/);
    expect(checkSingleMessage(Buffer.concat([messageFrame(new Uint8Array(2)), messageFrame(new Uint8Array(2))]), 10)).toMatch(/exactly one/);
    expect(checkSingleMessage(trailerFrame({ 'grpc-status': '0' }), 100)).toMatch(/flag 0x80/);
  });

  it('refuses every body that is not one well-formed frame, whatever its bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const body = Buffer.from(bytes);
        const ok = body.length >= 5 && body[0] === 0 && body.readUInt32BE(1) === body.length - 5;
        expect(checkSingleMessage(body, 1024) === undefined).toBe(ok);
      }),
      { numRuns: 500 },
    );
  });

  it('reads grpc-timeout in every unit, and nothing malformed', () => {
    expect(parseGrpcTimeout('1H')).toBe(3_600_000);
    expect(parseGrpcTimeout('2M')).toBe(120_000);
    expect(parseGrpcTimeout('3S')).toBe(3000);
    expect(parseGrpcTimeout('250m')).toBe(250);
    expect(parseGrpcTimeout('5000u')).toBe(5);
    expect(parseGrpcTimeout('99999999n')).toBeCloseTo(99.999999);
    for (const bad of ['', 'S', '1', '123456789S', '-1S', '1.5S', '1s', ' 1S', '1S ']) expect(parseGrpcTimeout(bad)).toBeUndefined();
  });

  it('throws on a truncated frame', () => {
    expect(() => readFrames(messageFrame(new Uint8Array(4)).subarray(0, 7))).toThrow(/truncated/);
    expect(() => readFrames(Buffer.from([0, 0]))).toThrow(/truncated/);
  });
});
