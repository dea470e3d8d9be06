import { status } from '@grpc/grpc-js';
import { CairnError } from '@cairn/contracts';
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
