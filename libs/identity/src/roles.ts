import type { JWTPayload } from 'jose';
import { MAX_ACCOUNTS, type Role, SLURM_ACCOUNT } from '@cairn/contracts';
import { claimList } from './claim-template';

export interface RoleSettings {
  groupsClaim: string;
  adminGroup: string;
  projectGroupPrefix: string;
}

/**
 * Roles from the groups claim: always `user`; `member` of project P for group
 * `<prefix>P` (P a valid Slurm account name; others ignored); `admin` for the admin group.
 */
export function rolesOf(claims: JWTPayload, settings: RoleSettings): { roles: Role[]; projects: string[] } {
  const groups = claimList(claims, settings.groupsClaim);
  const projects = [
    ...new Set(
      groups
        .filter((group) => group.startsWith(settings.projectGroupPrefix))
        .map((group) => group.slice(settings.projectGroupPrefix.length))
        .filter((project) => SLURM_ACCOUNT.test(project)),
    ),
  ].slice(0, MAX_ACCOUNTS);
  const roles: Role[] = ['user'];
  if (projects.length > 0) roles.push('member');
  if (groups.includes(settings.adminGroup)) roles.push('admin');
  return { roles, projects };
}
