import { z } from 'zod';
import { shortText, token } from './validation';

/**
 * Who is calling, as the gateway established it from a verified token and the identity
 * mapping (docs/security.md): the one shape every service receives with a request and
 * every record keeps as its owner. Services behind the gateway trust it because only the
 * gateway may publish on their request subjects (NATS permissions).
 */

/** A POSIX user name as useradd accepts it (no leading digit or dash; at most 32). */
export const POSIX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
export const posixUserName = token(POSIX_USER, 'a POSIX user name: lower-case letters, digits, "_" and "-", not starting with a digit or "-"', 32);

/** A Slurm account (also the name of a project): letters, digits, "_", "-" and ".". */
export const SLURM_ACCOUNT = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
export const slurmAccountName = token(SLURM_ACCOUNT, 'a Slurm account: letters, digits, "_", "." and "-", not starting with "." or "-"', 64);

/** What a person may do beyond their own work: see a project's work (member), or everything (admin). */
export const ROLES = ['user', 'member', 'admin'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

/** At most this many accounts and projects per person (a token or mapping with more is refused). */
export const MAX_ACCOUNTS = 64;

export const principalSchema = z
  .object({
    /** The token's issuer (an issuer configured at the gateway). */
    issuer: shortText(512),
    /** The token's `sub`: unique within its issuer. */
    subject: shortText(256).pipe(z.string().min(1)),
    /** What to call the person in views and audit lines (preferred_username, email, or sub). */
    name: shortText(256),
    /** The POSIX user their jobs run as, from the identity mapping. */
    posixUser: posixUserName,
    /** The Slurm accounts they may charge; the first is their default. */
    accounts: z.array(slurmAccountName).max(MAX_ACCOUNTS),
    /** Their roles: always `user`; `member` when `projects` is not empty; `admin` from the admin group. */
    roles: z.array(roleSchema).max(ROLES.length),
    /** The projects (Slurm accounts) whose work they may see as members. */
    projects: z.array(slurmAccountName).max(MAX_ACCOUNTS),
  })
  .strict();
export type Principal = z.infer<typeof principalSchema>;

/** Who owns a job or a workflow run: the identity and the POSIX user it ran as. */
export const ownerSchema = z
  .object({
    issuer: shortText(512),
    subject: shortText(256).pipe(z.string().min(1)),
    name: shortText(256),
    posixUser: posixUserName,
  })
  .strict();
export type Owner = z.infer<typeof ownerSchema>;

/** The owner a principal becomes on what they create. */
export function ownerOf(principal: Principal): Owner {
  return { issuer: principal.issuer, subject: principal.subject, name: principal.name, posixUser: principal.posixUser };
}

/** Whether two identities are the same person (same issuer, same subject). */
export function sameIdentity(a: { issuer: string; subject: string }, b: { issuer: string; subject: string }): boolean {
  return a.issuer === b.issuer && a.subject === b.subject;
}
