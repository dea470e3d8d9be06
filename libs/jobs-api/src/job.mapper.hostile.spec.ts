import fc from 'fast-check';
import { checkClearRefusal } from '@cairn/testing';
import { describeControl, JOB_LIMITS, pb } from '@cairn/contracts';
import { toJobId, toListQuery, toSubmitCommand } from './job.mapper';

/** Classes of hostile SubmitJob/GetJob/ListJobs requests: accepted, or INVALID_ARGUMENT with a bounded message. */

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
const controls = fc.constantFrom('\u0000', '\u0008', '\n', '\u001f', '\u007f', '\u0080', '\u009f', '\ud800', '\udc00');
const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.tuple(fc.string({ maxLength: 10 }), controls, fc.string({ maxLength: 10 })).map(([a, c, b]) => a + c + b),
  fc.constantFrom(...PROTOTYPE_NAMES, '', ' ', '-x', '$(id)', '; rm -rf /', '${{ item }}'),
  fc.integer({ min: JOB_LIMITS.maxArgBytes - 2, max: JOB_LIMITS.maxArgBytes + 2 }).map((n) => 'é'.repeat(Math.ceil(n / 2)).slice(0, n)),
  fc.integer({ min: 1, max: 200_000 }).map((n) => 'x'.repeat(n)),
);
const count = fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2 ** 31, 2 ** 53, Number.NaN, Infinity, 0.5));

const specArb = fc.record({
  name: text,
  image: fc.oneof(text, fc.constant('lab/busybox:1.36')),
  command: fc.array(text, { maxLength: 4 }),
  env: fc.dictionary(fc.oneof(text, fc.constantFrom(...PROTOTYPE_NAMES)), text, { maxKeys: 4 }),
  site: fc.oneof(text, fc.constant('')),
  resources: fc.option(fc.record({ cpus: count, memoryMb: count, timeLimitSeconds: count, partition: text }), { nil: undefined }),
  array: fc.option(fc.record({ items: fc.array(text, { maxLength: 5 }), itemsPerElement: count, throttle: count }), { nil: undefined }),
});

const outcome = (run: () => unknown): void => checkClearRefusal(run, 20 * 400 + 100);

describe('job mapper [property-based hostile requests]', () => {
  it('SubmitJob: any spec is a validated JobSpec or INVALID_ARGUMENT, and what it accepts has no control character', () => {
    fc.assert(
      fc.property(specArb, text, (spec, requestId) => {
        outcome(() => {
          const { spec: parsed } = toSubmitCommand({ spec, requestId }, 'dev');
          for (const value of [parsed.name, ...parsed.command, ...Object.keys(parsed.env), ...Object.values(parsed.env), ...(parsed.array?.items ?? [])]) {
            expect(describeControl(value)).toBeUndefined();
          }
        });
      }),
      { numRuns: 400 },
    );
  });

  it('keeps env names that are prototype member names as ordinary names', () => {
    const env = Object.fromEntries(PROTOTYPE_NAMES.map((n) => [n, `v-${n}`]));
    const { spec } = toSubmitCommand({ spec: { name: 'j', image: 'lab/busybox:1.36', command: ['/bin/env'], env, site: '', resources: undefined, array: undefined }, requestId: '' }, 'dev');
    expect(Object.entries(spec.env)).toEqual(PROTOTYPE_NAMES.map((n) => [n, `v-${n}`]));
  });

  it('GetJob and ListJobs: odd ids, tokens and prefixes are INVALID_ARGUMENT', () => {
    fc.assert(
      fc.property(text, text, text, fc.integer(), (id, token, prefix, pageSize) => {
        outcome(() => toJobId(id));
        outcome(() => toListQuery({ pageSize, pageToken: token, namePrefix: prefix, states: [], site: '' } as pb.ListJobsRequest));
      }),
      { numRuns: 300 },
    );
  });
});
