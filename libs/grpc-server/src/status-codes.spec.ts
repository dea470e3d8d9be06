import { status } from '@grpc/grpc-js';
import { CairnError, ERROR_CODES } from '@cairn/contracts';
import fc from 'fast-check';
import { MAX_STATUS_MESSAGE_CHARS, toServiceError } from './status-codes';

describe('toServiceError', () => {
  it('maps domain errors by code and bounds the message a trailer carries', () => {
    expect(toServiceError(new CairnError('INVALID_ARGUMENT', 'spec.name: bad'))).toMatchObject({ code: status.INVALID_ARGUMENT, details: 'spec.name: bad' });
    const long = toServiceError(new CairnError('RESOURCE_EXHAUSTED', 'x'.repeat(1_000_000)));
    expect(long.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(long.details).toHaveLength(MAX_STATUS_MESSAGE_CHARS + 1);
    expect(toServiceError(new Error('secret detail'))).toMatchObject({ code: status.INTERNAL, details: 'internal error' });
  });
});

describe('toServiceError for every code and any thrown value', () => {
  it('maps each domain code to the gRPC status of the same name, with the message as details', () => {
    for (const code of ERROR_CODES) {
      const error = toServiceError(new CairnError(code, `a ${code} happened`));
      expect({ code: error.code, details: error.details, message: error.message }).toEqual({
        code: status[code],
        details: `a ${code} happened`,
        message: `a ${code} happened`,
      });
    }
  });

  it('keeps a message of exactly the limit whole and cuts one character over it', () => {
    const atLimit = 'm'.repeat(MAX_STATUS_MESSAGE_CHARS);
    expect(toServiceError(new CairnError('INVALID_ARGUMENT', atLimit)).details).toBe(atLimit);
    const over = toServiceError(new CairnError('INVALID_ARGUMENT', `${atLimit}x`)).details;
    expect(over).toBe(`${atLimit}…`);
  });

  it('never sends more than the limit of any domain message, and keeps its start', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ERROR_CODES), fc.string({ unit: 'grapheme', maxLength: MAX_STATUS_MESSAGE_CHARS * 2 }), (code, message) => {
        const details = toServiceError(new CairnError(code, message)).details ?? '';
        expect(details.length).toBeLessThanOrEqual(MAX_STATUS_MESSAGE_CHARS + 1);
        expect(message.startsWith(details.replace(/…$/, ''))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('turns anything that is not a CairnError into INTERNAL without its text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string().map((s) => new Error(s)), fc.string().map((s) => new TypeError(s))), (thrown) => {
        expect(toServiceError(thrown)).toMatchObject({ code: status.INTERNAL, details: 'internal error', message: 'internal error' });
      }),
      { numRuns: 200 },
    );
  });
});
