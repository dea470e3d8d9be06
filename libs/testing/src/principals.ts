import type { Principal } from '@cairn/contracts';

/**
 * The dev identity world as the gateway maps it (docs/security.md): alice (accounts
 * alice-lab, genomics), bob (genomics), both members of project genomics; carol (ops), admin.
 */
export const DEV_ISSUER = 'http://127.0.0.1:5556';

export const principals: Record<'alice' | 'bob' | 'carol', Principal> = {
  alice: { issuer: DEV_ISSUER, subject: 'alice', name: 'alice', posixUser: 'alice', accounts: ['alice-lab', 'genomics'], roles: ['user', 'member'], projects: ['genomics'] },
  bob: { issuer: DEV_ISSUER, subject: 'bob', name: 'bob', posixUser: 'bob', accounts: ['genomics'], roles: ['user', 'member'], projects: ['genomics'] },
  carol: { issuer: DEV_ISSUER, subject: 'carol', name: 'carol', posixUser: 'carol', accounts: ['ops'], roles: ['user', 'admin'], projects: [] },
};

/** A request as each of them sends it (caller and peer). */
export const as = {
  alice: { caller: principals.alice, peer: 'ipv4:127.0.0.1:40001' },
  bob: { caller: principals.bob, peer: 'ipv4:127.0.0.1:40002' },
  carol: { caller: principals.carol, peer: 'ipv4:127.0.0.1:40003' },
};
