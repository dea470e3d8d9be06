import { createHash, timingSafeEqual } from 'node:crypto';

export interface Credentials {
  user: string;
  password: string;
}

/**
 * The credentials of an `Authorization: Basic` header: undefined without the header,
 * 'malformed' for anything that is not Basic base64(user:password).
 */
export function parseBasic(header: string | undefined): Credentials | undefined | 'malformed' {
  if (header === undefined) return undefined;
  const match = /^Basic ([A-Za-z0-9+/]{1,1024}={0,2})$/i.exec(header.trim());
  if (!match?.[1]) return 'malformed';
  const text = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return 'malformed';
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Both user and password match, compared in constant time. */
export function credentialsMatch(given: Credentials, expected: Credentials): boolean {
  const user = timingSafeEqual(digest(given.user), digest(expected.user));
  const password = timingSafeEqual(digest(given.password), digest(expected.password));
  return user && password;
}
