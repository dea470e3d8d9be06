import fc from 'fast-check';
import { CairnError, excerpt, type Principal, type Role } from '@cairn/contracts';
import { canCancel, canRead, canReadAudit, chooseAccount, inScope, listScope, scopedKey } from './access-policy';

const RUNS = { numRuns: 300 };
const account = fc.constantFrom('alice-lab', 'genomics', 'ops', 'physics', 'a.b_c-1');
const identity = fc.record({ issuer: fc.constantFrom('https://idp.example.edu', 'https://ci.example.edu'), subject: fc.constantFrom('alice', 'bob', 'carol', 'cairn-ci') });
const roles = fc.subarray<Role>(['user', 'member', 'admin']);
const principal: fc.Arbitrary<Principal> = fc.record({
  issuer: identity.map((i) => i.issuer),
  subject: fc.constantFrom('alice', 'bob', 'carol', 'cairn-ci'),
  name: fc.constantFrom('alice', 'bob@example.edu'),
  posixUser: fc.constantFrom('alice', 'bob', 'carol'),
  accounts: fc.uniqueArray(account, { maxLength: 4 }),
  roles,
  projects: fc.uniqueArray(account, { maxLength: 4 }),
});

const person = (over: Partial<Principal>): Principal => ({
  issuer: 'https://idp.example.edu',
  subject: 'bob',
  name: 'bob',
  posixUser: 'bob',
  accounts: ['genomics'],
  roles: ['user', 'member'],
  projects: ['genomics'],
  ...over,
});
const alice = { issuer: 'https://idp.example.edu', subject: 'alice' };

describe('access policy', () => {
  it('the dev world: bob reads alice\'s genomics work, not her alice-lab work, and cancels neither', () => {
    const bob = person({});
    expect(canRead(bob, alice, 'genomics')).toBe(true);
    expect(canRead(bob, alice, 'alice-lab')).toBe(false);
    expect(canCancel(bob, alice, 'genomics')).toBe(false);
    const carol = person({ subject: 'carol', name: 'carol', posixUser: 'carol', accounts: ['ops'], roles: ['user', 'admin'], projects: [] });
    expect(canRead(carol, alice, 'alice-lab')).toBe(true);
    expect(canCancel(carol, alice, 'alice-lab')).toBe(true);
    expect(canReadAudit(carol)).toBe(true);
    expect(canReadAudit(bob)).toBe(false);
  });

  it('everyone reads and cancels their own work, whatever it is charged to', () => {
    fc.assert(
      fc.property(principal, account, (p, acct) => {
        expect(canRead(p, p, acct)).toBe(true);
        expect(canCancel(p, p, acct)).toBe(true);
      }),
      RUNS,
    );
  });

  it('without admin, someone else\'s work is readable only through a project they are a member of, and never cancellable', () => {
    fc.assert(
      fc.property(principal, identity, account, (p, owner, acct) => {
        fc.pre(!p.roles.includes('admin') && !(owner.issuer === p.issuer && owner.subject === p.subject));
        expect(canRead(p, owner, acct)).toBe(p.roles.includes('member') && p.projects.includes(acct));
        expect(canCancel(p, owner, acct)).toBe(false);
      }),
      RUNS,
    );
  });

  it('the same subject from another issuer is someone else', () => {
    fc.assert(
      fc.property(principal, account, (p, acct) => {
        fc.pre(!p.roles.includes('admin') && !p.projects.includes(acct));
        expect(canRead(p, { issuer: `${p.issuer}/other`, subject: p.subject }, acct)).toBe(false);
      }),
      RUNS,
    );
  });

  it('an admin reads and cancels everything', () => {
    fc.assert(
      fc.property(principal, identity, account, (p, owner, acct) => {
        const admin = { ...p, roles: [...p.roles, 'admin' as const] };
        expect(canRead(admin, owner, acct) && canCancel(admin, owner, acct)).toBe(true);
        expect(listScope(admin)).toEqual({ all: true });
      }),
      RUNS,
    );
  });

  it('a list shows exactly what canRead allows', () => {
    fc.assert(
      fc.property(principal, identity, account, (p, owner, acct) => {
        expect(inScope(listScope(p), owner, acct)).toBe(canRead(p, owner, acct));
      }),
      RUNS,
    );
  });

  it('projects without the member role give nothing', () => {
    const p = person({ roles: ['user'], projects: ['genomics'] });
    expect(listScope(p)).toEqual({ all: false, owner: { issuer: p.issuer, subject: 'bob' }, accounts: [] });
    expect(canRead(p, alice, 'genomics')).toBe(false);
  });
});

describe('chooseAccount', () => {
  it('takes the asked account when it is one of theirs, else their default (the first)', () => {
    fc.assert(
      fc.property(principal.filter((p) => p.accounts.length > 0), fc.nat(), (p, i) => {
        const asked = p.accounts[i % p.accounts.length];
        expect(chooseAccount(p, asked)).toBe(asked);
        expect(chooseAccount(p)).toBe(p.accounts[0]);
        expect(chooseAccount(p, '')).toBe(p.accounts[0]);
      }),
      RUNS,
    );
  });

  it('refuses any other account with PERMISSION_DENIED naming it and the accounts they have', () => {
    fc.assert(
      fc.property(principal, fc.string({ minLength: 1, maxLength: 70 }), (p, asked) => {
        fc.pre(!p.accounts.includes(asked));
        let error: unknown;
        try {
          chooseAccount(p, asked);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(CairnError);
        expect((error as CairnError).code).toBe('PERMISSION_DENIED');
        expect((error as CairnError).message).toContain(excerpt(asked));
        for (const a of p.accounts) expect((error as CairnError).message).toContain(a);
      }),
      RUNS,
    );
  });

  it('refuses someone with no account, saying what to do', () => {
    expect(() => chooseAccount(person({ accounts: [] }))).toThrow(/no Slurm account to charge: ask your cluster's administrators/);
    expect(() => chooseAccount(person({ accounts: [] }), 'genomics')).toThrow(/"genomics" is not one of .*you may charge no account/);
  });
});

describe('scopedKey', () => {
  const alice = { issuer: 'https://idp.example.edu', subject: 'alice' };
  it('is one key per scope and query: the accounts as a set, the fields given in any order', () => {
    const key = scopedKey({ all: false, owner: alice, accounts: ['genomics', 'alice-lab'] }, { pageSize: 10, states: [] });
    expect(scopedKey({ all: false, owner: alice, accounts: ['alice-lab', 'genomics'] }, { states: [], pageSize: 10, pageToken: undefined })).toBe(key);
    expect(scopedKey({ all: false, owner: alice, accounts: ['alice-lab'] }, { pageSize: 10, states: [] })).not.toBe(key);
    expect(scopedKey({ all: false, owner: { ...alice, subject: 'bob' }, accounts: ['genomics', 'alice-lab'] }, { pageSize: 10, states: [] })).not.toBe(key);
    expect(scopedKey({ all: true }, { pageSize: 10, states: [] })).not.toBe(key);
    expect(scopedKey({ all: false, owner: alice, accounts: ['genomics', 'alice-lab'] }, { pageSize: 11, states: [] })).not.toBe(key);
  });
});
