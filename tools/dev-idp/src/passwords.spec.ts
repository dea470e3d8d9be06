import fc from 'fast-check';
import { checkPassword, MAX_PASSWORD, MAX_USERNAME } from './passwords';

const passwords = { alice: 'correct horse battery', bob: 'bob-secret-password', carol: 'carol-secret-password' };

describe('checkPassword', () => {
  it('signs each person in with their own password only', () => {
    expect(checkPassword(passwords, 'alice', 'correct horse battery')?.username).toBe('alice');
    expect(checkPassword(passwords, 'bob', 'bob-secret-password')?.sub).toBe('b3d9f4a6-2e87-4f02-8c5b-1a9e7d3c2b02');
    expect(checkPassword(passwords, 'alice', 'bob-secret-password')).toBeUndefined();
    expect(checkPassword(passwords, 'mallory', 'correct horse battery')).toBeUndefined();
    expect(checkPassword(passwords, 'Alice', 'correct horse battery')).toBeUndefined();
    expect(checkPassword(passwords, 'alice', '')).toBeUndefined();
  });

  it('refuses a person whose password is missing from the file, whatever is typed', () => {
    expect(checkPassword({ alice: 'x'.repeat(20) }, 'bob', '')).toBeUndefined();
    expect(checkPassword({ alice: 'x'.repeat(20) }, 'bob', '\u0000unknown')).toBeUndefined();
  });

  it('refuses every other username and password, including over-long ones', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: MAX_USERNAME + 10 }), fc.string({ unit: 'binary', maxLength: MAX_PASSWORD + 10 }), (username, password) => {
        const person = checkPassword(passwords, username, password);
        if (person) expect(passwords[person.username as keyof typeof passwords]).toBe(password);
      }),
      { numRuns: 500 },
    );
    expect(checkPassword({ ...passwords, alice: 'p'.repeat(MAX_PASSWORD + 1) }, 'alice', 'p'.repeat(MAX_PASSWORD + 1))).toBeUndefined();
    expect(checkPassword({ ...passwords, alice: 'p'.repeat(MAX_PASSWORD) }, 'alice', 'p'.repeat(MAX_PASSWORD))?.username).toBe('alice');
  });
});
