import { denied, excerpt, type Owner, type Principal, sameIdentity } from '@cairn/contracts';

/**
 * Who may see and touch which work (docs/security.md, "Who can do what"): the one policy
 * every service applies, in its store queries (lists) and before answering (one record).
 *
 * - Everyone reads (get, watch, list, output) their own work.
 * - A project member also reads the work charged to the project's account.
 * - Only the owner cancels (and an admin, anything).
 * - An admin reads everything, including the audit log.
 *
 * Someone else's object is answered exactly like a missing one (NOT_FOUND): existence is
 * not revealed. That answer is the caller's (the services); this module only decides.
 */

/** The owner's identity: who a record belongs to. */
export type Identity = Pick<Owner, 'issuer' | 'subject'>;

export const isAdmin = (principal: Principal): boolean => principal.roles.includes('admin');

/** The projects whose work the principal reads as a member (none without the member role). */
export function memberProjects(principal: Principal): readonly string[] {
  return principal.roles.includes('member') ? principal.projects : [];
}

/** Whether the principal may read (get, watch, output) work of `owner` charged to `account`. */
export function canRead(principal: Principal, owner: Identity, account: string): boolean {
  return isAdmin(principal) || sameIdentity(principal, owner) || memberProjects(principal).includes(account);
}

/** Whether the principal may cancel work of `owner` (charged to any account): its owner, or an admin. */
export function canCancel(principal: Principal, owner: Identity, _account?: string): boolean {
  return isAdmin(principal) || sameIdentity(principal, owner);
}

/** Whether the principal may read the audit log. */
export const canReadAudit = (principal: Principal): boolean => isAdmin(principal);

/**
 * What a list shows the principal: everything (an admin), or the work they own plus the
 * work charged to the projects they are a member of. Stores turn this into their WHERE.
 */
export type ListScope = { all: true } | { all: false; owner: Identity; accounts: readonly string[] };

export function listScope(principal: Principal): ListScope {
  if (isAdmin(principal)) return { all: true };
  return { all: false, owner: { issuer: principal.issuer, subject: principal.subject }, accounts: [...new Set(memberProjects(principal))] };
}

/**
 * One key per list scope and query, for answers kept by what they depend on: who (the
 * accounts as a set) and every field of the query given (so a field added later keys too).
 */
export function scopedKey(scope: ListScope, query: Readonly<Record<string, unknown>>): string {
  const who = scope.all ? ['all'] : [scope.owner.issuer, scope.owner.subject, [...scope.accounts].sort()];
  const fields = Object.entries(query)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([who, fields]);
}

/** Whether a record of `owner` and `account` is inside the scope (the same rule as canRead). */
export function inScope(scope: ListScope, owner: Identity, account: string): boolean {
  return scope.all || sameIdentity(scope.owner, owner) || scope.accounts.includes(account);
}

/**
 * The Slurm account a submission is charged to: the one asked for, which must be one of
 * the principal's accounts, or their default (the first) when none is asked for.
 * Refused with PERMISSION_DENIED naming the account and the accounts they have.
 */
export function chooseAccount(principal: Principal, requested?: string): string {
  const who = `${principal.name} (POSIX user ${principal.posixUser})`;
  if (requested !== undefined && requested !== '') {
    if (principal.accounts.includes(requested)) return requested;
    const have = principal.accounts.length > 0 ? `the accounts you may charge are: ${principal.accounts.join(', ')}` : 'you may charge no account';
    throw denied(`account ${excerpt(requested)} is not one of ${who}'s Slurm accounts; ${have}`);
  }
  const first = principal.accounts[0];
  if (first === undefined) {
    throw denied(`${who} has no Slurm account to charge: ask your cluster's administrators to add you to an account (sacctmgr add user), then log in again`);
  }
  return first;
}
