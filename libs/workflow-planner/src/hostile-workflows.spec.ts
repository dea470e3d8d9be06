import fc from 'fast-check';
import { stringify } from 'yaml';
import { CairnError, describeControl, type SiteDescription, type StepPlan, type WorkflowPlan } from '@cairn/contracts';
import { MAX_LISTED_PROBLEMS, MAX_STEP_ITEMS, MAX_WORKFLOW_BYTES, type ParsedWorkflow, parseWorkflow, WorkflowError } from '@cairn/workflow-language';
import { checkRunnable } from './runnable-check';
import { baseSpec } from './step-jobs';
import { PlanError, planWorkflow } from './workflow-plan';

/**
 * Classes of hostile workflow files through the whole validator (parse, graph, plan, the
 * rendered job of every step): each one is accepted or refused with a WorkflowError whose
 * problems are located and whose message is bounded, never any other exception.
 */

const site: SiteDescription = {
  site: 'hpc1',
  maxArraySize: 1001,
  maxJobCount: 10_000,
  partitions: [{ name: 'cpu', isDefault: true, up: true, cpusPerNode: 64, memoryMbPerNode: 256_000, nodes: 100, maxTimeSeconds: 2 * 86_400, gres: [], jobSlots: 6400 }],
  resourceClasses: { small: { partition: 'cpu' } },
};

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__', 'prototype'];
/** The longest message a refusal may carry: the listed problems, each bounded, plus paths. */
const MAX_MESSAGE = MAX_LISTED_PROBLEMS * 800 + 200;

const controls = fc.constantFrom('\u0000', '\u0001', '\u0007', '\u001b', '\u007f', '\u0085', '\u009b', '\ud800', '\udfff', '\r');
const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.tuple(fc.string({ maxLength: 20 }), controls, fc.string({ maxLength: 20 })).map(([a, c, b]) => `${a}${c}${b}`),
  fc.constantFrom(...PROTOTYPE_NAMES, '${{ params.constructor }}', '${{ item.name }}', '${{ steps.constructor.outputs.toString }}', '${{', '}}'),
  fc.integer({ min: 1, max: 70_000 }).map((n) => 'x'.repeat(n)),
  fc.constantFrom('*a*a*a*a*ab', '[z-a]', '[abc', `${'*a'.repeat(200)}b`, '../x', '/abs'),
);
const hostileKey = fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), hostileText, fc.constantFrom('a', 'b', 'ok_name', 'A_1'));
const hostileNumber = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -1, 2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER, 1e300, 0.5, MAX_STEP_ITEMS, MAX_STEP_ITEMS + 1),
);
const hostileRange = fc.record({ from: hostileNumber, to: hostileNumber, step: fc.oneof(hostileNumber, fc.constant(1)) });

/** A valid workflow with one field replaced by a hostile value. */
function base(): Record<string, unknown> {
  return {
    version: 1,
    name: 'w',
    description: 'a workflow',
    defaults: { image: 'lab/busybox:1.36' },
    params: { size: 3 },
    steps: {
      prep: { command: ['/bin/echo', '${{ params.size }}'], outputs: { list: 'list.json' }, env: { A: 'b' } },
      sweep: { command: ['/bin/echo', '${{ item }}'], array: { items: ['a', 'b'] }, inputs: { l: '${{ steps.prep.outputs.list }}' } },
      learn: {
        loop: {
          maxIterations: 2,
          until: 'loss < 1',
          metrics: '${{ steps.fit.outputs.m }}',
          steps: { fit: { command: ['/bin/true', '${{ loop.iteration }}'], outputs: { m: 'm.json' } } },
        },
      },
    },
  };
}

type Mutation = (w: Record<string, unknown>) => void;
/** Sets an own property, whatever its name ("__proto__" included). */
const put = (target: unknown, key: string, value: unknown) => {
  if (target && typeof target === 'object') Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
};
const steps = (w: Record<string, unknown>) => w.steps as Record<string, Record<string, unknown>>;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  hostileText.map((t): Mutation => (w) => void (w.description = t)),
  hostileText.map((t): Mutation => (w) => void (w.name = t)),
  fc.tuple(hostileKey, fc.oneof(hostileText, hostileNumber)).map(([k, v]): Mutation => (w) => void ((w.params as Record<string, unknown>)[k] = v)),
  fc.tuple(hostileKey, hostileText).map(([k, v]): Mutation => (w) => void put(steps(w).prep?.env, k, v)),
  hostileText.map((t): Mutation => (w) => void ((steps(w).prep as { command: string[] }).command.push(t))),
  fc.array(fc.oneof(hostileText, hostileNumber), { minLength: 1, maxLength: 5 }).map((items): Mutation => (w) => void ((steps(w).sweep as { array: unknown }).array = { items })),
  hostileRange.map((range): Mutation => (w) => void ((steps(w).sweep as { array: unknown }).array = { range })),
  hostileText.map((glob): Mutation => (w) => void ((steps(w).sweep as { array: unknown }).array = { glob })),
  hostileText.map((lines): Mutation => (w) => void ((steps(w).sweep as { array: unknown }).array = { lines })),
  fc.tuple(hostileKey, hostileText).map(([k, v]): Mutation => (w) => void put(steps(w).sweep?.inputs, k, v)),
  fc.tuple(hostileKey, hostileText).map(([k, v]): Mutation => (w) => void put(steps(w).prep?.outputs, k, v)),
  hostileKey.map((k): Mutation => (w) => void put(w.steps, k, { command: ['/bin/true'] })),
  hostileKey.map((k): Mutation => (w) => void put(w, k, 1)),
  hostileText.map((t): Mutation => (w) => void (((steps(w).learn as { loop: { until: string } }).loop.until = t))),
  hostileKey.map((k): Mutation => (w) => void (((steps(w).prep as { resources?: unknown }).resources = { class: k }))),
);

/** Parses and checks as a dry run does (images pinned to a stand-in digest). */
function validate(text: string): WorkflowPlan | undefined {
  const workflow = parseWorkflow(text, 'hostile.yaml');
  let plan: WorkflowPlan;
  try {
    plan = planWorkflow(workflow, site);
  } catch (error) {
    if (error instanceof PlanError) return undefined;
    throw error;
  }
  const pin = (list: StepPlan[]) => list.forEach((s) => (s.loop ? pin(s.loop.steps) : (s.imageDigest = `lab/busybox@sha256:${'a'.repeat(64)}`)));
  pin(plan.steps);
  checkRunnable(workflow, plan);
  return plan;
}

function expectClearOutcome(text: string): void {
  try {
    validate(text);
  } catch (error) {
    if (!(error instanceof WorkflowError)) throw error;
    expect(error.problems.length).toBeGreaterThan(0);
    expect(error.problems.length).toBeLessThanOrEqual(MAX_LISTED_PROBLEMS);
    for (const p of error.problems) {
      expect(p.line).toBeGreaterThanOrEqual(1);
      expect(p.column).toBeGreaterThanOrEqual(1);
    }
    expect(error.message.length).toBeLessThanOrEqual(MAX_MESSAGE);
    // A refusal quotes the user's input escaped: it never carries a control character itself.
    expect(describeControl(error.message, '\n')).toBeUndefined();
  }
}

describe('hostile workflow files [property-based]', () => {
  it('one hostile field anywhere: accepted, or refused with located, bounded problems', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), (mutations, asJson) => {
        const w = base();
        for (const m of mutations) m(w);
        expectClearOutcome(asJson ? JSON.stringify(w) : stringify(w));
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary text and arbitrary JSON values are refused cleanly', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.json({ maxDepth: 6 }), fc.jsonValue().map((v) => stringify(v))), (text) => {
        expectClearOutcome(text);
      }),
      { numRuns: 300 },
    );
  });

  it('sizes at every limit: a file of nearly the maximum size, many problems, deep nesting and alias bombs', () => {
    // "a\u0000", is 10 bytes of JSON: as many as fit in the largest file.
    const items = Array.from({ length: Math.floor((MAX_WORKFLOW_BYTES - 500) / 10) }, () => 'a\u0000');
    expectClearOutcome(JSON.stringify({ ...base(), steps: { s: { command: ['/bin/echo', '${{ item }}'], array: { items } } } }));
    const deep = `${'['.repeat(MAX_WORKFLOW_BYTES / 2 - 100)}${']'.repeat(MAX_WORKFLOW_BYTES / 2 - 100)}`;
    expectClearOutcome(`version: 1\nname: w\nsteps: ${deep}\n`);
    expectClearOutcome(`{"version":1,"name":"w","steps":${deep}}`);
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
    expectClearOutcome(`${bomb}\nversion: 1\nname: w\nsteps: { s: { command: [x] } }\n`);
    expectClearOutcome(`version: 1\nname: w\n${'x'.repeat(MAX_WORKFLOW_BYTES)}: 1\n`);
    // As many keys as fit, once each and all the same: found in linear time, listed bounded.
    const count = Math.floor((MAX_WORKFLOW_BYTES - 100) / 9);
    expectClearOutcome(`version: 1\nname: w\n${Array.from({ length: count }, (_, i) => `k${i.toString(36)}: 1`).join('\n')}\n`);
    expect(() => parseWorkflow(`version: 1\nname: w\n${Array(count).fill('a: 1').join('\n')}\n`, 'w.yaml')).toThrow(
      new RegExp(`^w\\.yaml:4:1: not valid YAML: Map keys must be unique\n[^]*w\\.yaml: and ${count - 1 - 20} more problems$`),
    );
    expect(() => parseWorkflow('version: 1\nname: w\nparams: { 1: a, "1": b }\nsteps: {}\n', 'w.yaml')).toThrow('w.yaml:3:17: not valid YAML: Map keys must be unique');
    const longKey = 'k'.repeat(MAX_WORKFLOW_BYTES - 200);
    let error: unknown;
    try {
      parseWorkflow(JSON.stringify({ version: 1, name: 'w', [longKey]: 1, steps: { s: { command: ['x'], image: 'lab/busybox:1.36' } } }), 'w.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WorkflowError);
    expect((error as Error).message.length).toBeLessThan(400);
    expect((error as Error).message).toContain(`unknown field "${'k'.repeat(64)}"…`);
  });

  it('counts a range before expanding it: a billion items are refused at parse time', () => {
    for (const range of [{ from: 0, to: 999_999_999 }, { from: -(2 ** 53) + 1, to: 2 ** 53 - 1 }, { from: 0, to: MAX_STEP_ITEMS }]) {
      const text = JSON.stringify({ ...base(), steps: { s: { command: ['/bin/echo', '${{ item }}'], array: { range } } } });
      expect(() => parseWorkflow(text, 'w.yaml')).toThrow(/steps\.s\.array\.range: makes more than 1000000 items/);
    }
    const atLimit = JSON.stringify({ ...base(), steps: { s: { command: ['/bin/echo', '${{ item }}'], array: { range: { from: 1, to: MAX_STEP_ITEMS } } } } });
    expect(parseWorkflow(atLimit, 'w.yaml').steps.s?.array?.range).toEqual({ from: 1, to: MAX_STEP_ITEMS, step: 1 });
  });

  it('refuses control characters in every free-text field, with the field and line', () => {
    const cases: [string, string][] = [
      ['description: "a\\0b"', 'description: contains a NUL byte'],
      ['params: { p: "x\\x85" }', 'params.p: contains control character U+0085'],
      ['steps: { s: { command: [echo, "${{ item }}"], array: { items: ["ok", "a\\x1b[31m"] } } }', 'steps.s.array.items[1]: contains control character U+001B'],
      ['steps: { s: { command: [echo], inputs: { i: "a\\0" } } }', 'steps.s.inputs.i: contains a NUL byte'],
      ['steps: { s: { command: [echo], array: { glob: "a\\0*" } } }', 'steps.s.array.glob: contains a NUL byte'],
      ['steps: { s: { command: [echo], env: { E: "\\ud800" } } }', 'steps.s.env.E: contains an unpaired surrogate U+D800'],
    ];
    for (const [yaml, message] of cases) {
      const text = `version: 1\nname: w\ndefaults: { image: lab/busybox:1.36 }\n${yaml.startsWith('steps') ? yaml : `${yaml}\nsteps: { s: { command: [echo] } }`}\n`;
      expect(() => parseWorkflow(text, 'w.yaml')).toThrow(message);
    }
    expect(() => parseWorkflow('version: 1\nname: w # a raw \u0000 in a comment\nsteps: {}\n', 'w.yaml')).toThrow('w.yaml:2:17: contains a NUL byte');
    expect(() => parseWorkflow('version: 1\r\nname: w\tx\r\nsteps: { s: { command: [echo], image: lab/busybox:1.36 } }\r\n', 'w.yaml')).toThrow('name: must be');
  });

  it('names such as constructor, toString and __proto__ behave like any other name', () => {
    const text = stringify({
      version: 1,
      name: 'w',
      defaults: { image: 'lab/busybox:1.36' },
      params: { constructor: 'c', tostring: 't' },
      steps: {
        constructor: { command: ['/bin/echo', '${{ params.constructor }}'], outputs: { valueof: 'v.txt' }, env: { ['__proto__']: 'p', toString: 's', constructor: 'k' } },
        tostring: { command: ['/bin/cat', '${{ steps.constructor.outputs.valueof }}'] },
      },
    });
    const workflow = parseWorkflow(text, 'w.yaml');
    const plan = validate(text) as WorkflowPlan;
    expect(plan.steps.map((s) => s.path)).toEqual(['constructor', 'tostring']);
    const run = { runId: '00000000-0000-4000-8000-000000000001', site: 'hpc1', workflow, plan };
    const first = baseSpec(run, 'constructor');
    expect(first.command).toEqual(['/bin/echo', 'c']);
    expect(Object.entries(first.env)).toEqual([['__proto__', 'p'], ['toString', 's'], ['constructor', 'k']]);
    expect(baseSpec(run, 'tostring').command).toEqual(['/bin/cat', '/cairn/run/constructor/v.txt']);
    const roundTrip = JSON.parse(JSON.stringify(workflow)) as ParsedWorkflow;
    expect(baseSpec({ ...run, workflow: roundTrip }, 'constructor')).toEqual(first);
  });

  it('a reference to a name only Object.prototype has is an unknown name, located', () => {
    const wf = (command: string, extra = '') =>
      `version: 1\nname: w\ndefaults: { image: lab/busybox:1.36 }\n${extra}steps:\n  s:\n    command: [echo, "${command}"]\n    outputs: { o: o.txt }\n`;
    expect(() => parseWorkflow(wf('${{ params.constructor }}'), 'w.yaml')).toThrow('w.yaml:6:21: steps.s.command[1]: unknown parameter "constructor"');
    expect(() => parseWorkflow(wf('${{ params.tostring }}', 'params: { a: 1 }\n'), 'w.yaml')).toThrow('unknown parameter "tostring"');
    expect(() => parseWorkflow(wf('${{ steps.constructor.outputs.o }}'), 'w.yaml')).toThrow('unknown step "constructor"');
    expect(() => parseWorkflow(wf('${{ steps.s.outputs.constructor }}'), 'w.yaml')).toThrow('a step cannot use its own outputs');
    expect(() => parseWorkflow(`${wf('x')}  t:\n    command: [echo, "\${{ steps.s.outputs.constructor }}"]\n`, 'w.yaml')).toThrow('step "s" has no output "constructor" (it has o)');
    expect(() => parseWorkflow(`${wf('x')}    needs: [hasOwnProperty]\n`, 'w.yaml')).toThrow(/needs\.?\[0\]: unknown step "hasOwnProperty"|needs\[0\]: must be a step name/);
    expect(() => planWorkflow(parseWorkflow(`${wf('x')}    resources: { class: constructor }\n`, 'w.yaml'), site)).toThrow('resource class "constructor" is not offered');
  });

  it('says how many steps a file must and may have', () => {
    expect(() => parseWorkflow('version: 1\nname: w\nsteps: {}\n', 'w.yaml')).toThrow('w.yaml:3:1: steps: must have at least one step');
    const many = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`s${i}`, { command: ['/bin/true'], image: 'lab/busybox:1.36' }]));
    expect(() => parseWorkflow(JSON.stringify({ version: 1, name: 'w', steps: many }), 'w.yaml')).toThrow('steps: has more than 1000 steps');
  });

  it('item fields are refused at parse time: items are scalars', () => {
    const text = 'version: 1\nname: w\ndefaults: { image: lab/busybox:1.36 }\nsteps:\n  s:\n    command: [echo, "${{ item.name }}"]\n    array: { items: [a] }\n';
    expect(() => parseWorkflow(text, 'w.yaml')).toThrow('items are scalars');
  });

  it('errors are never anything but WorkflowError, CairnError-free and bounded for pathological globs', () => {
    for (const glob of [`${'*a'.repeat(500)}b`, '[', '[!]', 'a/[z-a]/b', 'a\\', '**/***/?[?]']) {
      const text = JSON.stringify({ ...base(), steps: { s: { command: ['/bin/echo', '${{ item }}'], array: { glob } } } });
      try {
        parseWorkflow(text, 'w.yaml');
      } catch (error) {
        expect(error).toBeInstanceOf(WorkflowError);
        expect(error).not.toBeInstanceOf(CairnError);
      }
    }
  });
});
