import type { Metadata } from '@grpc/grpc-js';
import { type Principal, unauthenticated } from '@cairn/contracts';

/** Alice as the dev identity world maps her (docs/identity.md). */
export const ALICE: Principal = {
  issuer: 'https://idp.test',
  subject: 'alice-sub',
  name: 'alice',
  posixUser: 'alice',
  accounts: ['alice-lab', 'genomics'],
  roles: ['user', 'member'],
  projects: ['genomics'],
};

/** The one token the test door lets in (as `principal`); any other is UNAUTHENTICATED. */
export const TEST_TOKEN = 'test-token';

/** A door for handler specs: a fixed token and principal, refusals kept in `refused`. */
export function testDoor(principal: Principal = ALICE) {
  const refused: Array<{ rpc: string; outcome: string; reason: string; subject?: string }> = [];
  return {
    refused,
    authenticator: {
      authenticate: (token: string) =>
        Promise.resolve(token === TEST_TOKEN ? { ok: true as const, principal } : { ok: false as const, error: unauthenticated('the token signature is invalid') }),
    },
    audit: {
      record: (event: { rpc: string; outcome: string; reason: string; subject?: string }) => {
        refused.push(event);
        return Promise.resolve();
      },
    },
  };
}

/** Call metadata carrying `authorization: Bearer <token>`. */
export function bearer(metadata: Metadata, token = TEST_TOKEN): Metadata {
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}
