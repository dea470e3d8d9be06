import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import Ajv2020 from 'ajv/dist/2020';
import { formatProblem, MAX_EDITOR_PROBLEMS, pointerSegments, workflowProblems } from './workflow-problems';
import { schemaViolations } from './workflow-schema';
import { workflowJsonSchema } from './workflow-schema.validate';

const GOOD = `version: 1
name: demo
steps:
  train:
    image: lab/cairn-examples:1
    command: [python3, train.py]
    resources: { cpus: 2, memory: 1G, time: 5m }
`;

const at = (text: string) => workflowProblems(text).map(formatProblem);

describe('workflowProblems: each problem at the line and column of what it is about', () => {
  it('finds nothing wrong with a valid workflow', () => {
    expect(workflowProblems(GOOD)).toEqual([]);
  });

  it('puts a value out of range on the value itself', () => {
    const text = GOOD.replace('cpus: 2', 'cpus: 0');
    const [p] = workflowProblems(text);
    expect(p).toMatchObject({ line: 7, column: 24, source: 'schema', message: 'steps.train.resources.cpus: must be at least 1' });
    expect(text.slice(p?.from, p?.to)).toBe('0');
  });

  it('puts an unknown field on its key, and a missing one on the key that holds the map', () => {
    const text = GOOD.replace('    image:', '    imgae: x\n    image:');
    expect(at(text)).toEqual(['Line 5, column 5: steps.train: unknown field "imgae"']);
    expect(at(GOOD.replace('name: demo\n', ''))).toEqual(['Line 1, column 1: missing field "name"']);
  });

  it('puts a list element on its own line', () => {
    const text = GOOD.replace('command: [python3, train.py]', 'command:\n      - python3\n      - 7');
    expect(at(text)).toEqual(['Line 8, column 9: steps.train.command[1]: must be a string']);
  });

  it('folds the branches of an anyOf (a duration is a number or a string) into one message', () => {
    const problems = workflowProblems(GOOD.replace('time: 5m', 'time: [5]'));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(/^steps\.train\.resources\.time: must be /);
  });

  it('puts a malformed step name on the name', () => {
    expect(at(GOOD.replace('  train:', '  Train:'))).toEqual([expect.stringMatching(/^Line 4, column 3: steps\.Train: the name /)]);
  });

  it('reports YAML syntax errors at their place, and then no schema errors', () => {
    const problems = workflowProblems('version: 1\nname: [demo\nsteps: {}\n');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.source === 'yaml' && p.message.startsWith('not valid YAML: '))).toBe(true);
    expect(at('a: 1\na: 2\n')).toEqual([expect.stringMatching(/^Line 2, column 1: not valid YAML: /)]);
  });

  it('refuses a billion laughs without expanding it', () => {
    const lol = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)].join('\n');
    expect(at(lol)).toEqual([expect.stringMatching(/^Line 1, column 1: not valid YAML: /)]);
  });

  it('lists at most MAX_EDITOR_PROBLEMS problems, the last counting the rest', () => {
    const steps = Array.from({ length: 120 }, (_, i) => `  s${i}: { bogus: 1 }`).join('\n');
    const problems = workflowProblems(`version: 1\nname: demo\nsteps:\n${steps}\n`);
    expect(problems).toHaveLength(MAX_EDITOR_PROBLEMS);
    expect(problems.at(-1)?.message).toMatch(/^and \d+ more problems$/);
  });

  it('decodes JSON Pointer escapes', () => {
    expect(pointerSegments('')).toEqual([]);
    expect(pointerSegments('/steps/a~1b/c~0d/0')).toEqual(['steps', 'a/b', 'c~d', '0']);
  });

  it('never throws and always places problems inside the document, whatever the text', () => {
    const piece = fc.constantFrom('version: 1', 'name: x', 'steps:', '  a:', '    command: [x]', '- ', ': ', '{', '}', '[', ']', '&a ', '*a', '"', "'", '#', '\t', ' ', '\n', '\r\n', 'ü', '😀', '---', '? ', '!!str ', '|', '>', '${{ item }}', '\u0000');
    const yamlish = fc.oneof(fc.array(piece, { maxLength: 60 }).map((p) => p.join('')), fc.string({ maxLength: 200, unit: 'grapheme' }));
    fc.assert(
      fc.property(yamlish, (text) => {
        const lines = text.split('\n');
        for (const p of workflowProblems(text)) {
          expect(p.from).toBeGreaterThanOrEqual(0);
          expect(p.to).toBeGreaterThanOrEqual(p.from);
          expect(p.to).toBeLessThanOrEqual(text.length);
          expect(p.line).toBeGreaterThanOrEqual(1);
          expect(p.line).toBeLessThanOrEqual(lines.length);
          expect(p.column).toBeGreaterThanOrEqual(1);
          expect(p.column).toBeLessThanOrEqual((lines[p.line - 1]?.length ?? 0) + 1);
          expect(p.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 250 },
    );
    // A generous guard for a loaded machine (2 cores shared): not a speed requirement.
  }, 60_000);
});

describe('the build-time validator (standalone code, no eval in the browser)', () => {
  it('agrees with ajv compiling the same schema now, on the examples and on broken variants', () => {
    const fresh = new Ajv2020({ allErrors: true, strict: false, unicodeRegExp: true }).compile(workflowJsonSchema as object);
    const values: unknown[] = [
      { version: 1, name: 'x', steps: { a: { image: 'lab/x:1', command: ['a'] } } },
      { version: 2, name: 'x', steps: {} },
      { version: 1, name: 'bad name', steps: { a: { command: [1] } } },
      { version: 1, name: 'x', steps: { a: { image: 'x', command: ['a'], resources: { cpus: 0, time: [] } } } },
      null,
      [],
      'text',
    ];
    for (const value of values) {
      expect(schemaViolations(value).length === 0).toBe(fresh(value));
      expect(schemaViolations(value).map((e) => `${e.instancePath} ${e.keyword}`).sort()).toEqual((fresh.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`).sort());
    }
  }, 60_000);
});
