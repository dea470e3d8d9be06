import { CairnError, controlIndex } from '@cairn/contracts';
import { fillParams, parseWorkflow } from '@cairn/workflow-language';
import fc from 'fast-check';
import { checkTemplate } from './template-form';
import { draft, SOURCE } from './template-spec-kit';
import { checkValues } from './template-values';

const template = checkTemplate(draft()).template;
if (!template) throw new Error('the spec template does not check');
const original = parseWorkflow(SOURCE, 'greet.yaml');

/** Fills the values as a run does, and parses the result as the workflow service will. */
function run(values: Record<string, string>, source = SOURCE) {
  const workflow = parseWorkflow(source, 'greet.yaml');
  return parseWorkflow(fillParams(source, checkValues(template?.parameters ?? [], values, workflow)), 'filled.yaml');
}

const refusal = (values: Record<string, string>): string => {
  try {
    run(values);
  } catch (error) {
    if (error instanceof CairnError) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error('not refused');
};

describe('filling a template\'s params', () => {
  it('sets each value as a typed scalar and leaves the defaults of the rest', () => {
    const filled = run({ greeting: 'hi there', count: '7', ratio: '0.25', loud: 'true', size: 'large', tier: '3' });
    expect(filled.params).toEqual({ greeting: 'hi there', count: 7, ratio: 0.25, loud: true, size: 'large', tier: 3 });
    expect(run({}).params).toEqual(original.params);
    expect(run({ count: '9' })).toEqual({ ...original, params: { ...original.params, count: 9 } });
  });

  it('keeps text that looks like another type as text', () => {
    for (const text of ['12', 'true', 'null', '~', '0x1F', '1e3', '', ' ', '- item', '{a: 1}', '[1]', '&a', '*a', '!!int 3', '#', "'", '"', '\\', '%YAML']) {
      expect(run({ greeting: text }).params?.greeting).toBe(text);
    }
  });

  it('keeps the comments and the rest of the text of the file', () => {
    const filled = fillParams(SOURCE, new Map([['count', 5]]));
    expect(filled).toContain('# a greeting, repeated');
    expect(filled).toContain('greeting: hello # what to say');
    expect(filled).toContain('count: 5');
  });

  it('fills a JSON file structurally too', () => {
    const json = JSON.stringify({ version: 1, name: 'j', params: { n: 2, s: 'a' }, steps: { a: { image: 'lab/busybox:1', command: ['echo', '${{ params.s }}'] } } });
    const filled = parseWorkflow(fillParams(json, new Map<string, string | number>([['n', 5], ['s', '"}, "steps": {}']])), 'j.yaml');
    expect(filled).toEqual({ ...parseWorkflow(json, 'j.json'), params: { n: 5, s: '"}, "steps": {}' } });
  });

  it('refuses values that do not fit, naming each, and unknown parameters', () => {
    expect(refusal({ count: '11', loud: 'maybe', colour: 'red' })).toMatch(/^INVALID_ARGUMENT: parameters\["count"\]: must be at most 10, not 11\nparameters\["loud"\]: must be true or false, not "maybe"\nparameters\["colour"\]: the template has no such parameter/);
    expect(refusal({ greeting: 'a\nsteps: {}' })).toMatch(/^INVALID_ARGUMENT: parameters\["greeting"\]: contains a newline/);
    expect(refusal(JSON.parse('{"__proto__": "x", "constructor": "y"}') as Record<string, string>)).toMatch(/no such parameter/);
  });

  it('property: whatever text a STRING parameter gets, the param is exactly that text and nothing else of the file changes', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 200, unit: 'grapheme' }),
      fc.string({ maxLength: 200, unit: fc.constantFrom('"', "'", '\\', '$', '{', '}', ':', '#', '-', '&', '*', '!', '|', '>', '%', '@', '`', ' ', '\t', 'a', 'n', 'u', 'l', '0', '[', ']', ',', '?') }),
      fc.constantFrom('x}} ${{ steps.a.outputs.b', '"\nsteps: {}', '${{ params.count }}', 'null', 'yes', '  padded  ', '---', '...', '#!', '\u00A0', '\uFEFF'),
    ).filter((s) => s.length <= 1024 && controlIndex(s, '\t') < 0 && !/[\u2028\u2029]/.test(s));
    fc.assert(
      fc.property(text, (value) => {
        const filled = run({ greeting: value });
        expect(filled).toEqual({ ...original, params: { ...original.params, greeting: value } });
      }),
      { numRuns: 300 },
    );
  });

  it('property: whatever values the parameters get, only their params entries change', () => {
    const values = fc.record(
      { greeting: fc.string({ maxLength: 64 }).filter((s) => controlIndex(s) < 0), count: fc.integer({ min: 1, max: 10 }).map(String), ratio: fc.double({ min: 0, max: 1, noNaN: true }).map(String), loud: fc.boolean().map(String), size: fc.constantFrom('small', 'large'), tier: fc.constantFrom('1', '2', '3') },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(values, (given) => {
        const filled = run(given);
        const { params, ...rest } = filled;
        const { params: before, ...restBefore } = original;
        expect(rest).toEqual(restBefore);
        for (const [name, value] of Object.entries(before ?? {})) {
          const text = (given as Record<string, string | undefined>)[name];
          expect(params?.[name]).toEqual(text === undefined ? value : typeof value === 'string' ? text : typeof value === 'boolean' ? text === 'true' : Number(text));
        }
      }),
      { numRuns: 200 },
    );
  });
});
