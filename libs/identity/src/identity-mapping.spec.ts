import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ProcessRepository } from '@cairn/adapters/process';
import { POSIX_USER } from '@cairn/contracts';
import { type MappingFile, mappingFileSchema, type MappingRule, mappingRuleSchema } from './identity-config';
import { IdentityMapping } from './identity-mapping';

const ISS = 'https://idp.example.edu';
const rules = (...raw: unknown[]): MappingRule[] => raw.map((rule) => mappingRuleSchema.parse(rule));
const file = (raw: unknown): MappingFile => mappingFileSchema.parse(raw);
const processes = new ProcessRepository();

describe('IdentityMapping', () => {
  const mappingFile = file({
    identities: [
      { issuer: ISS, subject: 'sub-of-carol', posixUser: 'carol', accounts: ['ops'] },
      { claim: 'email', value: 'dana@partner.org', posixUser: 'dana' },
      { claim: 'email', value: 'eve@partner.org', issuer: 'https://other.example', posixUser: 'eve' },
    ],
    accounts: { alice: ['alice-lab', 'genomics'], bob: ['genomics'], dana: ['partners'] },
  });

  it('template: {preferred_username} with accounts from the mapping file', async () => {
    const mapping = new IdentityMapping(rules({ rule: 'template', template: '{preferred_username}' }), mappingFile, processes);
    await expect(mapping.map(ISS, 's1', { preferred_username: 'alice' })).resolves.toEqual({ posixUser: 'alice', accounts: ['alice-lab', 'genomics'] });
    await expect(mapping.map(ISS, 's2', { preferred_username: 'zoe' })).resolves.toEqual({ posixUser: 'zoe', accounts: [] });
    await expect(mapping.map(ISS, 's3', {})).resolves.toBeUndefined();
  });

  it('template: {eppn} with its domain stripped, accounts from a claim; another domain or a bad name does not match', async () => {
    const mapping = new IdentityMapping(rules({ rule: 'template', template: '{eppn}', stripSuffix: '@example.edu', accountsClaim: 'slurm_accounts' }), mappingFile, processes);
    await expect(mapping.map(ISS, 's', { eppn: 'bob@example.edu', slurm_accounts: 'genomics, ops bad;name' })).resolves.toEqual({ posixUser: 'bob', accounts: ['genomics', 'ops'] });
    await expect(mapping.map(ISS, 's', { eppn: 'bob@evil.example', slurm_accounts: ['genomics'] })).resolves.toBeUndefined();
    for (const eppn of ['Bob@example.edu', '0day@example.edu', '-rf@example.edu', '../root@example.edu', `${'a'.repeat(40)}@example.edu`, '@example.edu']) {
      await expect(mapping.map(ISS, 's', { eppn })).resolves.toBeUndefined();
    }
  });

  it('file: by issuer and subject, or by a claim value (limited to an issuer when the entry says so)', async () => {
    const mapping = new IdentityMapping(rules({ rule: 'file' }), mappingFile, processes);
    await expect(mapping.map(ISS, 'sub-of-carol', {})).resolves.toEqual({ posixUser: 'carol', accounts: ['ops'] });
    await expect(mapping.map('https://other.example', 'sub-of-carol', {})).resolves.toBeUndefined();
    await expect(mapping.map(ISS, 'x', { email: 'dana@partner.org' })).resolves.toEqual({ posixUser: 'dana', accounts: ['partners'] });
    await expect(mapping.map(ISS, 'x', { email: 'eve@partner.org' })).resolves.toBeUndefined();
    await expect(mapping.map('https://other.example', 'x', { email: 'eve@partner.org' })).resolves.toEqual({ posixUser: 'eve', accounts: [] });
    await expect(mapping.map(ISS, 'x', { email: ['dana@partner.org'] })).resolves.toBeUndefined();
  });

  it('rules in order, first match wins; a rule limited to an issuer is skipped for others', async () => {
    const mapping = new IdentityMapping(
      rules({ rule: 'file' }, { rule: 'template', issuer: 'https://ci.example', template: 'svc-{sub}' }, { rule: 'template', template: '{preferred_username}' }),
      mappingFile,
      processes,
    );
    // carol's file entry wins over the template that would make her "mallory".
    await expect(mapping.map(ISS, 'sub-of-carol', { preferred_username: 'mallory' })).resolves.toEqual({ posixUser: 'carol', accounts: ['ops'] });
    await expect(mapping.map('https://ci.example', 'cairn-ci', { preferred_username: 'alice' })).resolves.toEqual({ posixUser: 'svc-cairn-ci', accounts: [] });
    await expect(mapping.map(ISS, 'cairn-ci', { preferred_username: 'alice' })).resolves.toEqual({ posixUser: 'alice', accounts: ['alice-lab', 'genomics'] });
    await expect(mapping.map(ISS, 'nobody', {})).resolves.toBeUndefined();
  });

  it('the mapping file refuses bad POSIX user names and bad account names', () => {
    for (const posixUser of ['Root', '0x', '-x', 'a b', 'a;b', '', 'x'.repeat(33)]) {
      expect(mappingFileSchema.safeParse({ identities: [{ issuer: ISS, subject: 's', posixUser }] }).success).toBe(false);
      expect(mappingFileSchema.safeParse({ accounts: { [posixUser]: ['a'] } }).success).toBe(false);
    }
    expect(mappingFileSchema.safeParse({ accounts: { alice: ['.hidden'] } }).success).toBe(false);
  });
});

describe('IdentityMapping: the mapping command [real: processes]', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-map-'));
  const seen = join(dir, 'seen.json');
  const script = join(dir, 'map.js');
  // The command records the argument vector it got and answers from it: a user named in
  // its 3rd argument, or (for "nobody") nothing; "broken" exits 3, "noisy" prints too much.
  writeFileSync(
    script,
    `const fs = require('node:fs');
const args = process.argv.slice(2);
fs.writeFileSync(${JSON.stringify(seen)}, JSON.stringify(args));
const who = args[2];
if (who === 'nobody') process.exit(0);
if (who === 'broken') process.exit(3);
if (who === 'noisy') { process.stdout.write('x'.repeat(100000)); process.exit(0); }
if (who === 'sleepy') setTimeout(() => {}, 60000);
else process.stdout.write(who + '\\n' + (args[3] || '') + '\\n');
`,
  );
  chmodSync(dir, 0o700);
  const rule = (args: string[], timeoutMs = 5000) => rules({ rule: 'command', command: process.execPath, args: [script, ...args], timeoutMs });
  const mapping = new IdentityMapping(rule(['{iss}', '{sub}', '{preferred_username}', 'genomics,alice-lab']), file({}), processes);

  it('gets the identity as arguments and maps to what it prints: user, then accounts', async () => {
    await expect(mapping.map(ISS, 'sub-1', { preferred_username: 'alice' })).resolves.toEqual({ posixUser: 'alice', accounts: ['genomics', 'alice-lab'] });
    expect(JSON.parse(readFileSync(seen, 'utf8'))).toEqual([ISS, 'sub-1', 'alice', 'genomics,alice-lab']);
    await expect(mapping.map(ISS, 'sub-1', { preferred_username: 'nobody' })).resolves.toBeUndefined();
    // A claim the arguments need is absent: the rule does not apply (the command is not run).
    await expect(mapping.map(ISS, 'sub-1', {})).resolves.toBeUndefined();
  });

  it('a failing, chatty or slow command, or one printing a bad user name, is UNAVAILABLE (never a guess)', async () => {
    for (const who of ['broken', 'noisy', 'Not A User', '../../etc']) {
      await expect(mapping.map(ISS, 's', { preferred_username: who })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    }
    const slow = new IdentityMapping(rule(['{iss}', '{sub}', '{preferred_username}'], 300), file({}), processes);
    await expect(slow.map(ISS, 's', { preferred_username: 'sleepy' })).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/timed out/) });
  });

  it('hostile claim values reach the command as single arguments, byte for byte, never through a shell; only valid POSIX names come back', async () => {
    const hostile = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom(' _', 'alice ', '\talice\n', '$(touch /tmp/pwned)', '`id`', 'a; rm -rf /', "' OR 1=1 --", '| cat /etc/shadow', '\n--uid=0', '-rf', '*', '~root', '${IFS}'),
    );
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (sub, name) => {
        const mapped = await mapping.map(ISS, sub, { preferred_username: name }).catch((error: { code?: string }) => error.code);
        if (sub.includes('\u0000') || name.includes('\u0000')) {
          expect(mapped).toBeUndefined();
          return;
        }
        expect(JSON.parse(readFileSync(seen, 'utf8'))).toEqual([ISS, sub, name, 'genomics,alice-lab']);
        // The command prints the claim back, so the user Cairn takes is its first line without
        // the whitespace around it (" _" prints as the valid name "_"): exactly that name when
        // it is a POSIX user name, never anything else.
        const printedUser = (name.split('\n')[0] ?? '').trim();
        if (POSIX_USER.test(printedUser)) {
          expect(mapped).toMatchObject({ posixUser: printedUser });
          if (!name.includes('\n')) expect(mapped).toEqual({ posixUser: printedUser, accounts: ['genomics', 'alice-lab'] });
        } else expect(['UNAVAILABLE', undefined]).toContain(typeof mapped === 'string' || mapped === undefined ? mapped : 'mapped a bad name');
      }),
      { numRuns: 40 },
    );
  });

  it('a person named like a property of every object (__proto__, constructor) gets the accounts the file gives them, or none', async () => {
    const templated = new IdentityMapping(rules({ rule: 'template', template: '{preferred_username}' }), file({ accounts: { alice: ['alice-lab'] } }), processes);
    for (const name of ['__proto__', 'constructor']) {
      expect(await templated.map(ISS, 's', { preferred_username: name })).toEqual({ posixUser: name, accounts: [] });
    }
  });

  it('a template rule never yields a name that is not a valid POSIX user name', async () => {
    const templated = new IdentityMapping(rules({ rule: 'template', template: '{preferred_username}' }), file({}), processes);
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), async (name) => {
        const mapped = await templated.map(ISS, 's', { preferred_username: name });
        if (mapped) expect(mapped.posixUser).toMatch(POSIX_USER);
        expect(mapped === undefined).toBe(!POSIX_USER.test(name));
      }),
      { numRuns: 200 },
    );
  });
});
