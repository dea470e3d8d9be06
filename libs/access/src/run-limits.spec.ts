import fc from 'fast-check';
import { CairnError, usageReply } from '@cairn/contracts';
import { principals } from '@cairn/testing';
import { checkRunLimits, type RunLimits, runUsage } from './run-limits';

const limits: fc.Arbitrary<RunLimits> = fc.record({
  jobsPerPerson: fc.integer({ min: 1, max: 1_000_000 }),
  jobsPerProject: fc.integer({ min: 1, max: 1_000_000 }),
  workflowsPerPerson: fc.integer({ min: 1, max: 1_000_000 }),
  workflowsPerProject: fc.integer({ min: 1, max: 1_000_000 }),
});

describe('checkRunLimits', () => {
  it('takes one more exactly while both counts are under their limits, else RESOURCE_EXHAUSTED naming the limit and its setting', () => {
    fc.assert(
      fc.property(limits, fc.constantFrom<'jobs' | 'workflows'>('jobs', 'workflows'), fc.nat(2_000_000), fc.nat(2_000_000), (l, kind, mine, project) => {
        const person = kind === 'jobs' ? l.jobsPerPerson : l.workflowsPerPerson;
        const shared = kind === 'jobs' ? l.jobsPerProject : l.workflowsPerProject;
        let error: unknown;
        try {
          checkRunLimits(kind, l, { name: 'bob', active: mine }, { account: 'genomics', active: project });
        } catch (e) {
          error = e;
        }
        if (mine < person && project < shared) {
          expect(error).toBeUndefined();
          return;
        }
        expect(error).toBeInstanceOf(CairnError);
        expect((error as CairnError).code).toBe('RESOURCE_EXHAUSTED');
        const message = (error as CairnError).message;
        if (mine >= person) expect(message).toContain(`bob has ${mine}`);
        else expect(message).toContain(`account genomics has ${project}`);
        expect(message).toMatch(/CAIRN_MAX_(ACTIVE_JOBS|RUNNING_WORKFLOWS)_PER_(PERSON|PROJECT)/);
      }),
      { numRuns: 500 },
    );
  });

  it('at the limit itself: the limit-th is taken, the next refused', () => {
    const l = { jobsPerPerson: 2, jobsPerProject: 10, workflowsPerPerson: 1, workflowsPerProject: 10 };
    expect(() => checkRunLimits('jobs', l, { name: 'bob', active: 1 }, { account: 'g', active: 0 })).not.toThrow();
    expect(() => checkRunLimits('jobs', l, { name: 'bob', active: 2 }, { account: 'g', active: 0 })).toThrow(
      'bob has 2 jobs not yet finished, the most one person may have (2, CAIRN_MAX_ACTIVE_JOBS_PER_PERSON): wait for some to finish, or cancel some',
    );
    expect(() => checkRunLimits('workflows', l, { name: 'bob', active: 0 }, { account: 'g', active: 10 })).toThrow(
      'account g has 10 workflow runs still running, the most one project may have (10, CAIRN_MAX_RUNNING_WORKFLOWS_PER_PROJECT)',
    );
  });
});

describe('runUsage: what the caller is told of the limits', () => {
  it('is, for any counts, exactly what checkRunLimits decides on: the next one is refused when and only when some usage is at its limit', () => {
    fc.assert(
      fc.property(limits, fc.constantFrom('jobs' as const, 'workflows' as const), fc.nat(2_000_000), fc.dictionary(fc.constantFrom('alice-lab', 'genomics', 'elsewhere'), fc.nat(2_000_000)), (l, kind, mine, byAccount) => {
        const usage = runUsage(kind, l, principals.alice, { owner: mine, accounts: new Map(Object.entries(byAccount)) });
        expect(usageReply.parse(usage)).toEqual(usage);
        // alice's accounts, in her order; an account she may not charge is never told.
        expect(usage.projects.map((p) => p.name)).toEqual(['alice-lab', 'genomics']);
        for (const project of usage.projects) {
          const refused = (() => {
            try {
              checkRunLimits(kind, l, { name: 'alice', active: usage.person.used }, { account: project.name, active: project.used });
              return false;
            } catch {
              return true;
            }
          })();
          expect(refused).toBe(usage.person.used >= usage.person.limit || project.used >= project.limit);
        }
        expect(usage.person).toEqual({ name: 'alice', used: mine, limit: kind === 'jobs' ? l.jobsPerPerson : l.workflowsPerPerson, setting: kind === 'jobs' ? 'CAIRN_MAX_ACTIVE_JOBS_PER_PERSON' : 'CAIRN_MAX_RUNNING_WORKFLOWS_PER_PERSON' });
      }),
      { numRuns: 300 },
    );
  });

  it('counts an account without a counter as 0', () => {
    const usage = runUsage('jobs', { jobsPerPerson: 3, jobsPerProject: 4, workflowsPerPerson: 1, workflowsPerProject: 1 }, principals.bob, { owner: 2, accounts: new Map() });
    expect(usage).toEqual({
      person: { name: 'bob', used: 2, limit: 3, setting: 'CAIRN_MAX_ACTIVE_JOBS_PER_PERSON' },
      projects: [{ name: 'genomics', used: 0, limit: 4, setting: 'CAIRN_MAX_ACTIVE_JOBS_PER_PROJECT' }],
    });
  });
});
