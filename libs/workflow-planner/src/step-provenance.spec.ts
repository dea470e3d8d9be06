import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describeControl, jobSpecSchema, type SiteDescription, workflowRunDirSchema } from '@cairn/contracts';
import { parseWorkflow } from '@cairn/workflow-language';
import { arrayStepJobs, baseSpec, type RunInfo } from './step-jobs';
import { MAX_DECLARED_FILES, MAX_USES, stepProvenance } from './step-provenance';
import { planWorkflow } from './workflow-plan';

const SITE: SiteDescription = {
  site: 'dev',
  maxArraySize: 1001,
  maxJobCount: 100_000,
  partitions: [{ name: 'debug', isDefault: true, up: true, cpusPerNode: 2, memoryMbPerNode: 4096, nodes: 4, maxTimeSeconds: 7200, gres: [], jobSlots: 8 }],
  resourceClasses: {},
};
const RUN_ID = '30000000-0000-4000-8000-000000000002';

function run(source: string): RunInfo {
  const workflow = parseWorkflow(source, 'w.yaml');
  const plan = planWorkflow(workflow, SITE);
  const pin = (steps: typeof plan.steps) => steps.forEach((s) => (s.loop ? pin(s.loop.steps) : (s.imageDigest = `reg/x@sha256:${'b'.repeat(64)}`)));
  pin(plan.steps);
  return { runId: RUN_ID, site: 'dev', workflow, plan };
}
const example = (name: string) => readFileSync(join(__dirname, '../../../examples', name, 'workflow.yaml'), 'utf8');

describe('what a step job tells provenance (run.outputs, inputs, uses)', () => {
  it('active-learning: loop steps use the pool, their own iteration’s model and the previous iteration’s decision', () => {
    const info = run(example('active-learning'));
    expect(baseSpec(info, 'prepare').run).toEqual({ id: RUN_ID, stepDir: 'prepare', outputs: ['pool.npz', 'val.npz'] });
    // Iteration 1 has no decision before it: the reference to iteration 0 is left out.
    expect(baseSpec(info, 'learn[1].train').run).toEqual({ id: RUN_ID, stepDir: 'learn/1/train', outputs: ['model.npz'], uses: ['prepare/pool.npz'] });
    expect(baseSpec(info, 'learn[2].train').run?.uses).toEqual(['prepare/pool.npz', 'learn/1/select/next.json']);
    expect(baseSpec(info, 'learn[2].evaluate').run).toEqual({
      id: RUN_ID,
      stepDir: 'learn/2/evaluate',
      outputs: ['metrics.json'],
      uses: ['learn/2/train/model.npz', 'prepare/val.npz'],
    });
    // A decide step's own references to its loop's steps are to this iteration's.
    expect(baseSpec(info, 'learn[3].select').run?.uses).toEqual(['learn/3/train/model.npz', 'prepare/pool.npz']);
  });

  it('parameter-sweep: each item’s outputs are relative to its own directory; the summary uses the sweep’s directory', () => {
    const info = run(example('parameter-sweep'));
    const items = Array.from({ length: 20 }, (_, i) => i);
    const jobs = arrayStepJobs(info, 'sweep', 1, items, items, SITE);
    for (const job of jobs) expect(job.spec.run).toEqual({ id: RUN_ID, stepDir: 'sweep', outputs: ['result.json'] });
    expect(baseSpec(info, 'summarise').run).toEqual({ id: RUN_ID, stepDir: 'summarise', outputs: ['summary.json'], uses: ['sweep'] });
  });

  it('inputs from outside the run (literal or through params) are hashed; those inside the run are uses; env and array.from count', () => {
    const info = run(`version: 1
name: io
params: { data: /shared/data, name: train.csv }
steps:
  make:
    image: x:1
    command: [make]
    outputs: { list: list.json, dir: out/, dotted: ./a/b.txt, odd: "with space.txt" }
  use:
    image: x:1
    command: [use, "--in=\${{ steps.make.outputs.dir }}"]
    env: { LIST: "\${{ steps.make.outputs.dotted }}" }
    inputs:
      raw: /data/raw.csv
      shared: "\${{ params.data }}/\${{ params.name }}"
      fromrun: "\${{ steps.make.outputs.odd }}"
      relative: local.txt
      up: /data/../etc/passwd
      item: "/data/\${{ item }}"
    array: { from: "\${{ steps.make.outputs.list }}" }
`);
    expect(stepProvenance(info.workflow, 'make')).toEqual({ outputs: ['list.json', 'out', 'a/b.txt'] });
    expect(stepProvenance(info.workflow, 'use')).toEqual({
      inputs: ['/data/raw.csv', '/shared/data/train.csv'],
      uses: ['make/out', 'make/a/b.txt', 'make/list.json'],
    });
  });

  it('the same reference twice is one use; declarations past the limits are cut at them', () => {
    const outputs = Object.fromEntries(Array.from({ length: MAX_USES + 10 }, (_, i) => [`o${i}`, `f${i}.txt`]));
    const ref = (name: string) => `\${{ steps.a.outputs.${name} }}`;
    const names = Object.keys(outputs);
    const info = run(
      JSON.stringify({
        version: 1,
        name: 'big',
        steps: {
          a: { image: 'x:1', command: ['a'], outputs },
          b: { image: 'x:1', command: ['b', ref('o0'), ref('o0')], inputs: Object.fromEntries(names.map((n) => [`in_${n}`, ref(n)])) },
        },
      }),
    );
    expect(stepProvenance(info.workflow, 'a').outputs).toEqual(Object.values(outputs).slice(0, MAX_DECLARED_FILES));
    expect(stepProvenance(info.workflow, 'b').uses).toEqual(Object.values(outputs).slice(0, MAX_USES).map((f) => `a/${f}`));
    for (const key of ['a', 'b']) expect(workflowRunDirSchema.safeParse(baseSpec(info, key).run).success).toBe(true);
  });

  it('whatever paths a file declares, the job spec stays valid (a path the run dir cannot hold is left out)', () => {
    const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => describeControl(s) === undefined && !s.startsWith('/') && !s.split('/').includes('..'));
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 5 }), fc.array(text.map((s) => `/${s}`), { maxLength: 5 }), (outs, ins) => {
        const outputs = Object.fromEntries(outs.map((p, i) => [`o${i}`, p]));
        const inputs = Object.fromEntries(ins.map((p, i) => [`i${i}`, p]));
        const source = JSON.stringify({
          version: 1,
          name: 'h',
          steps: { a: { image: 'x:1', command: ['a'], outputs }, b: { image: 'x:1', command: ['b', '${{ steps.a.outputs.o0 }}'], inputs } },
        });
        const info = run(source);
        for (const key of ['a', 'b']) expect(jobSpecSchema.safeParse(baseSpec(info, key)).success).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
