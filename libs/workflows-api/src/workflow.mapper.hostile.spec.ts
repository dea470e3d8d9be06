import fc from 'fast-check';
import { checkClearRefusal } from '@cairn/testing';
import { toPlanCommand } from './workflow-plan.mapper';
import { toListWorkflowsQuery, toRequestId, toRunId } from './workflow.mapper';

/** Hostile SubmitWorkflow/GetWorkflow/ListWorkflows fields: accepted, or INVALID_ARGUMENT with a bounded, escaped message. */

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('__proto__', 'constructor', '../../etc/passwd', '/abs', 'a\u0000b', '', ' '),
  fc.integer({ min: 1, max: 300_000 }).map((n) => 'x'.repeat(n)),
);

const outcome = (run: () => unknown): void => checkClearRefusal(run, 8200);

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
