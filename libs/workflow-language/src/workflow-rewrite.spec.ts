import fc from 'fast-check';
import { parse } from 'yaml';
import { parseWorkflow } from './parse-workflow';
import { fillParams, pinImages } from './workflow-rewrite';
import { refusal } from '@cairn/testing';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const SOURCE = `# learn until good enough
version: 1
name: learn
params:
  rounds: 3 # how many
  label: "first"
defaults:
  image: lab/base:1
steps:
  prepare:
    command: [echo, "\${{ params.label }}"]
  learn:
    loop:
      maxIterations: 2
      steps:
        train:
          image: lab/train:2 # the trainer
          command: [train]
  report:
    image: lab/base:1
    command: [echo, done]
    needs: [learn]
`;
const PINS = new Map([
  ['lab/base:1', `lab/base@${DIGEST}`],
  ['lab/train:2', `lab/train@sha256:${'b'.repeat(64)}`],
]);

interface Tree {
  defaults: { image: string };
  steps: { report: { image: string }; learn: { loop: { steps: { train: { image: string } } } } };
}
/** The file as plain data with its three images set as given. */
function withImages(source: string, base: string, train: string, report = base): unknown {
  const tree = parse(source) as Tree;
  tree.defaults.image = base;
  tree.steps.report.image = report;
  tree.steps.learn.loop.steps.train.image = train;
  return tree;
}

describe('pinning a recorded file\'s images', () => {
  it('replaces defaults.image and every step\'s image, in loops too, and nothing else; comments stay', () => {
    const pinned = pinImages(SOURCE, PINS);
    expect(parse(pinned)).toEqual(withImages(SOURCE, `lab/base@${DIGEST}`, `lab/train@sha256:${'b'.repeat(64)}`));
    expect(pinned).toContain('# the trainer');
    expect(pinned).toContain('rounds: 3 # how many');
    const parsed = parseWorkflow(pinned, 'pinned.yaml');
    expect(parsed.defaults?.image).toBe(`lab/base@${DIGEST}`);
  });

  it('pins a JSON file structurally too, and leaves a file without images as it is', () => {
    const json = JSON.stringify({ version: 1, name: 'j', defaults: { image: 'lab/base:1' }, steps: { a: { command: ['x'] } } });
    expect(parse(pinImages(json, PINS))).toEqual({ ...(JSON.parse(json) as object), defaults: { image: `lab/base@${DIGEST}` } });
    const none = 'version: 1\nname: n\nsteps:\n  a:\n    command: [x]\n';
    expect(pinImages(none, PINS)).toBe(none);
  });

  it('refuses an image without a recorded pin, and images written as aliases or anchors, naming where', () => {
    expect(refusal(() => pinImages(SOURCE, new Map([['lab/base:1', 'x']])))).toBe('FAILED_PRECONDITION: steps.learn.loop.steps.train.image: "lab/train:2" has no recorded digest');
    const aliased = 'version: 1\nname: a\ndefaults:\n  image: &img lab/base:1\nsteps:\n  a:\n    image: *img\n    command: [x]\n';
    expect(refusal(() => pinImages(aliased, PINS))).toMatch(/^FAILED_PRECONDITION: defaults.image: carries an anchor \(&"img"\)/);
    const aliasStep = 'version: 1\nname: a\nsteps:\n  a: &s\n    image: lab/base:1\n    command: [x]\n  b: *s\n';
    expect(refusal(() => pinImages(aliasStep, PINS))).toMatch(/^FAILED_PRECONDITION: steps.b: is an alias/);
  });

  it('property: whatever text the pins hold, only the image scalars change, each to exactly its pin', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 120, unit: 'grapheme' }),
      fc.string({ maxLength: 120, unit: fc.constantFrom('"', "'", '\\', '$', '{', '}', ':', '#', '-', '&', '*', '!', '|', '>', '%', '@', '`', ' ', '\n', '\t', 'a', '0', '[', ']', ',', '?') }),
      fc.constantFrom('x\nsteps: {}', '*img', '&a b', '!!int 3', 'null', '~', '---', '...', '"', '\uFEFF', '${{ params.rounds }}'),
    );
    fc.assert(
      fc.property(text, text, (base, train) => {
        const pinned = pinImages(SOURCE, new Map([['lab/base:1', base], ['lab/train:2', train]]));
        expect(parse(pinned)).toEqual(withImages(SOURCE, base, train));
      }),
      { numRuns: 300 },
    );
  });

  it('property: params filled and images pinned together change only their own scalars', () => {
    const value = fc.oneof(fc.string({ maxLength: 80 }), fc.integer(), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }));
    fc.assert(
      fc.property(value, value, (rounds, label) => {
        const filled = pinImages(fillParams(SOURCE, new Map([['rounds', rounds], ['label', label]])), PINS);
        const expected = withImages(SOURCE, `lab/base@${DIGEST}`, `lab/train@sha256:${'b'.repeat(64)}`) as Record<string, unknown>;
        expect(parse(filled)).toEqual({ ...expected, params: { rounds, label } });
      }),
      { numRuns: 200 },
    );
  });
});
