import fc from 'fast-check';
import { CairnError, describeControl } from '@cairn/contracts';
import { toPlanCommand } from './workflow-plan.mapper';
import { toListWorkflowsQuery, toRequestId, toRunId } from './workflow.mapper';

/** Hostile SubmitWorkflow/GetWorkflow/ListWorkflows fields: accepted, or INVALID_ARGUMENT with a bounded, escaped message. */

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('__proto__', 'constructor', '../../etc/passwd', '/abs', 'a\u0000b', '', ' '),
  fc.integer({ min: 1, max: 300_000 }).map((n) => 'x'.repeat(n)),
);

function outcome(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CairnError);
    expect((error as CairnError).code).toBe('INVALID_ARGUMENT');
    expect((error as CairnError).message.length).toBeLessThanOrEqual(8200);
    expect(describeControl((error as CairnError).message)).toBeUndefined();
  }
}

describe('workflow mappers [property-based hostile requests]', () => {
  it('SubmitWorkflow: source, file name, site and request id are checked or refused with INVALID_ARGUMENT', () => {
    fc.assert(
      fc.property(text, text, text, text, fc.boolean(), (source, fileName, site, requestId, dryRun) => {
        outcome(() => toPlanCommand({ source, fileName, site, requestId, dryRun }, 'dev'));
        outcome(() => toRequestId(requestId));
      }),
      { numRuns: 300 },
    );
  });

  it('GetWorkflow and ListWorkflows: odd ids, page tokens and prefixes are refused with INVALID_ARGUMENT', () => {
    fc.assert(
      fc.property(text, text, text, fc.integer(), fc.array(fc.integer(), { maxLength: 3 }), (id, token, prefix, pageSize, states) => {
        outcome(() => toRunId(id));
        outcome(() => toListWorkflowsQuery({ pageSize, pageToken: token, namePrefix: prefix, states }));
      }),
      { numRuns: 300 },
    );
  });
});
