/**
 * The dev identity world's people (see the issue 9 notes): who they are is public and
 * fixed; their passwords are generated at install (secrets.ts), never written here.
 */
export interface Person {
  /** The login name, also `preferred_username`. */
  username: string;
  /** Stable and opaque, like a campus IdP's: not the login name. */
  sub: string;
  name: string;
  email: string;
  groups: string[];
}

export const PEOPLE: readonly Person[] = [
  { username: 'alice', sub: 'a7c1e0b2-4d51-4c1e-9a3f-6b2d8e0f1a01', name: 'Alice Lab', email: 'alice@example.edu', groups: ['cairn-project-genomics'] },
  { username: 'bob', sub: 'b3d9f4a6-2e87-4f02-8c5b-1a9e7d3c2b02', name: 'Bob Genomics', email: 'bob@example.edu', groups: ['cairn-project-genomics'] },
  { username: 'carol', sub: 'c5e2a8d1-7b34-4e96-b0f7-3d6c9a1e4c03', name: 'Carol Ops', email: 'carol@example.edu', groups: ['cairn-admins'] },
];

export function personBySub(sub: string): Person | undefined {
  return PEOPLE.find((p) => p.sub === sub);
}

export function personByUsername(username: string): Person | undefined {
  return PEOPLE.find((p) => p.username === username);
}

/** What an access token for `person` carries besides the standard claims. */
export function accessTokenClaims(person: Person): { preferred_username: string; email: string; groups: string[] } {
  return { preferred_username: person.username, email: person.email, groups: [...person.groups] };
}

/** The OpenID claims (ID token, userinfo) of `person`. */
export function openIdClaims(person: Person): Record<string, unknown> {
  return {
    sub: person.sub,
    name: person.name,
    preferred_username: person.username,
    email: person.email,
    email_verified: true,
    groups: [...person.groups],
  };
}
