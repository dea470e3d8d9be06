import type { JWTPayload } from 'jose';
import type { ProcessRepository } from '@cairn/adapters/process';
import { CairnError, MAX_ACCOUNTS, ownValue, POSIX_USER, SLURM_ACCOUNT } from '@cairn/contracts';
import { claimList, claimText, renderTemplate } from './claim-template';
import type { MappingFile, MappingRule } from './identity-config';

/** What the mapping makes of an identity: the POSIX user and the Slurm accounts (first = default). */
export interface Mapped {
  posixUser: string;
  accounts: string[];
}

/** Most bytes the mapping command may print. */
export const MAX_COMMAND_OUTPUT_BYTES = 4096;
const MAX_ARGUMENT_CHARS = 1024;

/**
 * Claims -> one POSIX user and their accounts, by the configured rules in order; the
 * first rule that gives a valid POSIX user wins; undefined when none does.
 */
export class IdentityMapping {
  private readonly bySubject = new Map<string, Mapped>();
  /** claim name -> claim value -> the entries (in file order) that map it. */
  private readonly byClaim = new Map<string, Map<string, Array<{ issuer?: string; mapped: Mapped }>>>();

  constructor(
    private readonly rules: readonly MappingRule[],
    private readonly file: MappingFile,
    private readonly processes: ProcessRepository,
  ) {
    for (const entry of file.identities) {
      const accounts = entry.accounts ?? file.accounts[entry.posixUser] ?? [];
      const mapped = { posixUser: entry.posixUser, accounts: cleanAccounts(accounts) };
      if ('subject' in entry) {
        const key = subjectKey(entry.issuer, entry.subject);
        if (!this.bySubject.has(key)) this.bySubject.set(key, mapped);
      } else {
        const values = this.byClaim.get(entry.claim) ?? new Map<string, Array<{ issuer?: string; mapped: Mapped }>>();
        const list = values.get(entry.value) ?? [];
        list.push({ ...(entry.issuer === undefined ? {} : { issuer: entry.issuer }), mapped });
        values.set(entry.value, list);
        this.byClaim.set(entry.claim, values);
      }
    }
  }

  async map(issuer: string, subject: string, claims: JWTPayload): Promise<Mapped | undefined> {
    // {iss} and {sub} are the verified ones, whatever else the claims say.
    const all: JWTPayload = { ...claims, iss: issuer, sub: subject };
    for (const rule of this.rules) {
      if (rule.issuer !== undefined && rule.issuer !== issuer) continue;
      const mapped = await this.apply(rule, issuer, subject, all);
      if (mapped) return mapped;
    }
    return undefined;
  }

  private apply(rule: MappingRule, issuer: string, subject: string, claims: JWTPayload): Promise<Mapped | undefined> | Mapped | undefined {
    switch (rule.rule) {
      case 'template':
        return this.template(rule, claims);
      case 'file':
        return this.fromFile(issuer, subject, claims);
      case 'command':
        return this.command(rule, claims);
    }
  }

  private template(rule: Extract<MappingRule, { rule: 'template' }>, claims: JWTPayload): Mapped | undefined {
    let name = renderTemplate(rule.template, claims);
    if (name === undefined) return undefined;
    if (rule.stripSuffix !== undefined) {
      if (!name.endsWith(rule.stripSuffix)) return undefined;
      name = name.slice(0, -rule.stripSuffix.length);
    }
    if (!POSIX_USER.test(name)) return undefined;
    const accounts = rule.accountsClaim === undefined ? (ownValue(this.file.accounts, name) ?? []) : claimList(claims, rule.accountsClaim);
    return { posixUser: name, accounts: cleanAccounts(accounts) };
  }

  private fromFile(issuer: string, subject: string, claims: JWTPayload): Mapped | undefined {
    const bySubject = this.bySubject.get(subjectKey(issuer, subject));
    if (bySubject) return bySubject;
    for (const [claim, values] of this.byClaim) {
      const value = claimText(claims, claim);
      const entry = value === undefined ? undefined : values.get(value)?.find((candidate) => candidate.issuer === undefined || candidate.issuer === issuer);
      if (entry) return entry.mapped;
    }
    return undefined;
  }

  /**
   * Runs the mapping command with an argument vector (never a shell) and an empty
   * environment but PATH: it prints the POSIX user on its first line and the accounts
   * (separated by spaces or commas) on its second; nothing at all means "not mine".
   */
  private async command(rule: Extract<MappingRule, { rule: 'command' }>, claims: JWTPayload): Promise<Mapped | undefined> {
    const args: string[] = [];
    for (const template of rule.args) {
      const arg = renderTemplate(template, claims);
      // A claim that is absent, or that could not be one argument as it is: not this rule's case.
      if (arg === undefined || arg.includes('\u0000') || arg.length > MAX_ARGUMENT_CHARS) return undefined;
      args.push(arg);
    }
    let result;
    try {
      result = await this.processes.run(rule.command, args, { env: { PATH: '/usr/bin:/bin' }, timeoutMs: rule.timeoutMs, maxBuffer: MAX_COMMAND_OUTPUT_BYTES });
    } catch {
      throw new CairnError('UNAVAILABLE', 'the identity mapping command failed (timed out, or printed too much); ask your Cairn administrator');
    }
    if (result.exitCode !== 0) throw new CairnError('UNAVAILABLE', `the identity mapping command failed (exit ${result.exitCode}); ask your Cairn administrator`);
    const [user = '', accounts = ''] = result.stdout.split('\n').map((line) => line.trim());
    if (user === '') return undefined;
    if (!POSIX_USER.test(user)) throw new CairnError('UNAVAILABLE', 'the identity mapping command printed something that is not a POSIX user name; ask your Cairn administrator');
    return { posixUser: user, accounts: cleanAccounts(accounts.split(/[\s,]+/)) };
  }
}

function subjectKey(issuer: string, subject: string): string {
  return `${issuer}\u0000${subject}`;
}

/** Valid Slurm account names, each once, in order, at most MAX_ACCOUNTS. */
function cleanAccounts(accounts: readonly string[]): string[] {
  return [...new Set(accounts.filter((account) => SLURM_ACCOUNT.test(account)))].slice(0, MAX_ACCOUNTS);
}
