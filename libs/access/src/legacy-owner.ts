import type { Owner } from '@cairn/contracts';

/**
 * The owner of jobs and workflow runs recorded before Cairn knew who called (before
 * issue 9): an identity no token can carry (no issuer Cairn is configured with is
 * `urn:cairn:legacy`), so only admins see them. Their account is '' (no project's).
 */
export const LEGACY_OWNER: Owner = { issuer: 'urn:cairn:legacy', subject: 'before-identities', name: 'legacy (before identities)', posixUser: 'nobody' };
export const LEGACY_ACCOUNT = '';
