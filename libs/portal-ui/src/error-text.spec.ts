import { describe, expect, it } from '@jest/globals';
import { Code, ConnectError } from '@connectrpc/connect';
import { errorText } from './error-text';

describe('errorText', () => {
  it('shows the server message plainly, with what kind of refusal it was', () => {
    expect(errorText(new ConnectError('no such job', Code.NotFound))).toBe('No such job (not found).');
    expect(errorText(new ConnectError('image is required', Code.InvalidArgument))).toBe('Image is required (invalid).');
    expect(errorText(new ConnectError('boom', Code.Internal))).toBe('Boom');
    expect(errorText(new Error('Failed to fetch'))).toMatch(/Failed to fetch/);
    expect(errorText(undefined)).toBe('Something went wrong.');
  });
});
