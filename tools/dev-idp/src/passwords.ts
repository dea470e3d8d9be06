import { createHash, timingSafeEqual } from 'node:crypto';
import { personByUsername, type Person } from './people';

/** MAX lengths of the sign-in form's fields; longer input is refused before any comparison. */
export const MAX_USERNAME = 64;
export const MAX_PASSWORD = 256;

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** The person whose username and password these are, compared in constant time; else undefined. */
export function checkPassword(passwords: Record<string, string>, username: string, password: string): Person | undefined {
  if (username.length > MAX_USERNAME || password.length > MAX_PASSWORD) return undefined;
  const person = personByUsername(username);
  const expected = person ? passwords[person.username] : undefined;
  // Compare even for an unknown user, so timing does not tell who exists.
  const ok = timingSafeEqual(digest(expected ?? '\u0000unknown'), digest(password));
  return ok && person && expected !== undefined ? person : undefined;
}
