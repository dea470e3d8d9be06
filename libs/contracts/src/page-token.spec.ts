import { CairnError } from './errors';
import { decodePageToken, encodePageToken } from './page-token';

describe('page tokens', () => {
  it('round-trip a cursor', () => {
    const cursor = { createdAt: new Date('2026-11-25T08:00:00.123Z'), id: '0b0e4e0c-4d0f-4a55-8f57-5b8b4c8f2d11' };
    expect(decodePageToken(encodePageToken(cursor))).toEqual(cursor);
  });
  it.each(['', 'garbage', Buffer.from('{"t":"x","id":"y"}').toString('base64url')])('reject %j', (token) => {
    expect(() => decodePageToken(token)).toThrow(CairnError);
  });
});
