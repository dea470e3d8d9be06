import { requestIdSchema, type SiteDescription } from '@cairn/contracts';
import { parseWorkflow } from '@cairn/workflow-language';
import { outputLocation, renderValue, RenderError, stepDirOf } from './run-layout';
import { arrayStepJobs, baseSpec, requestIdFor, type RunInfo } from './step-jobs';
import { planWorkflow } from './workflow-plan';

const SITE: SiteDescription = {
  site: 'dev',
  maxArraySize: 1001,
  maxJobCount: 100_000,
  partitions: [
    { name: 'debug', isDefault: true, up: true, cpusPerNode: 2, memoryMbPerNode: 4096, nodes: 4, maxTimeSeconds: 7200, gres: [], jobSlots: 8 },
    { name: 'gpu', isDefault: false, up: true, cpusPerNode: 8, memoryMbPerNode: 65536, nodes: 2, maxTimeSeconds: null, gres: ['gpu:a100:4'], jobSlots: 8 },
  ],
  resourceClasses: { 'gpu-large': { partition: 'gpu', gpuType: 'a100' } },
};
const RUN_ID = '30000000-0000-4000-8000-000000000001';

function run(yaml: string): RunInfo {
  const workflow = parseWorkflow(yaml, 'w.yaml');
  const plan = planWorkflow(workflow, SITE);
  const pin = (steps: typeof plan.steps) => steps.forEach((s) => (s.loop ? pin(s.loop.steps) : (s.imageDigest = `reg/x@sha256:${'b'.repeat(64)}`)));
  pin(plan.steps);
  return { runId: RUN_ID, site: 'dev', workflow, plan };
}

describe('step jobs', () => {
  it('request ids are valid, stable and distinct per instance, generation and chunk', () => {
    const a = requestIdFor(RUN_ID, 'learn[12].train', 3, 0);
    expect(requestIdSchema.safeParse(a).success).toBe(true);
    expect(requestIdFor(RUN_ID, 'learn[12].train', 3, 0)).toBe(a);
    expect(new Set([a, requestIdFor(RUN_ID, 'learn[12].train', 3, 1), requestIdFor(RUN_ID, 'learn[12].train', 4, 0), requestIdFor(RUN_ID, 'learn[13].train', 3, 0)]).size).toBe(4);
  });

  it('passes a resource class as partition, GPUs of its type and nodes', () => {
    const info = run('version: 1\nname: g\nsteps:\n  fit: { image: x:1, command: [fit], resources: { class: gpu-large, gpus: 2, nodes: 2, cpus: 8 } }\n');
    expect(baseSpec(info, 'fit')).toMatchObject({
      name: 'g.fit',
      image: `reg/x@sha256:${'b'.repeat(64)}`,
      resources: { partition: 'gpu', cpus: 8, gpus: 2, gpuType: 'a100', nodes: 2 },
      run: { id: RUN_ID, stepDir: 'fit' },
    });
  });

  it('splits a large array into jobs within the per-job limits, each element limited to its items', () => {
    const info = run('version: 1\nname: s\nsteps:\n  sw: { image: x:1, command: [sim, "${{ item }}"], resources: { time: 1m }, array: { range: { from: 1, to: 25000 }, itemEstimate: 1s, targetDuration: 10s, throttle: 8 } }\n');
    const items = Array.from({ length: 25_000 }, (_, i) => i + 1);
    const jobs = arrayStepJobs(info, 'sw', 1, items, items.map((_, i) => i), SITE);
    expect(jobs.map((j) => j.spec.array?.items.length)).toEqual([10_000, 10_000, 5_000]);
    expect(jobs.flatMap((j) => j.itemIndices)).toEqual(items.map((_, i) => i));
    for (const job of jobs) {
      expect(Math.ceil((job.spec.array?.items.length ?? 0) / (job.spec.array?.itemsPerElement ?? 1))).toBeLessThanOrEqual(1000);
      expect(job.spec.array?.items[0]).toBe(String(items[job.itemIndices?.[0] ?? -1]));
    }
    // 10 items of 1 s per element: twice the estimate plus a minute, at least the item's limit.
    expect(jobs[0]?.spec.resources.timeLimitSeconds).toBe(80);
  });

  it('packs balanced without a throttle, by the measured item time when there is one', () => {
    const info = run('version: 1\nname: s\nsteps:\n  sw: { image: x:1, command: [sim, "${{ item }}"], resources: { time: 1m }, array: { range: { from: 0, to: 999 }, itemEstimate: 1s, targetDuration: 10s } }\n');
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const shape = (measured?: number) => {
      const array = arrayStepJobs(info, 'sw', 1, items, items, SITE, measured)[0]?.spec.array;
      return [Math.ceil((array?.items.length ?? 0) / (array?.itemsPerElement ?? 1)), array?.itemsPerElement, array?.throttle];
    };
    // The estimate: 10 per element makes 100 elements in 13 waves of the partition's 8 slots; 13 full waves (104) still need 10 per element.
    expect(shape()).toEqual([100, 10, undefined]);
    expect(info.plan.steps[0]?.array).toMatchObject({ itemsPerElement: 10, elements: 100 });
    // Measured 0.2 s: 50 per element makes 20 elements (waves of 8, 8, 4); balanced 24 × 42.
    expect(shape(0.2)).toEqual([24, 42, undefined]);
    // A 2-CPU step has 4 slots on the same partition: 20 elements stay 20 (5 full waves of 4).
    const wide = run('version: 1\nname: s\nsteps:\n  sw: { image: x:1, command: [sim], resources: { time: 1m, cpus: 2 }, array: { range: { from: 0, to: 999 }, targetDuration: 10s } }\n');
    const wideArray = arrayStepJobs(wide, 'sw', 1, items, items, SITE, 0.2)[0]?.spec.array;
    expect(wideArray?.itemsPerElement).toBe(50);
  });
});

describe('run layout', () => {
  const info = run(`
version: 1
name: al
defaults: { image: x:1 }
params: { k: 7 }
steps:
  prep: { command: [p], outputs: { pool: data/pool.npz } }
  sweep: { command: [s, "\${{ item }}"], array: { items: [a] }, outputs: { r: r.json } }
  learn:
    loop:
      maxIterations: 3
      steps:
        train: { command: [t, "\${{ steps.pick.outputs.next }}", "\${{ steps.prep.outputs.pool }}", "\${{ loop.iteration }}", "\${{ params.k }}"], outputs: { m: m.npz } }
        pick: { decide: true, command: [d, "\${{ steps.train.outputs.m }}"], outputs: { next: next.json } }
`);

  it('names directories after instance keys', () => {
    expect(stepDirOf('learn[3].train')).toBe('learn/3/train');
    expect(stepDirOf('outer[2].inner[1].x')).toBe('outer/2/inner/1/x');
  });

  it('renders references for an instance: same iteration, previous decision, outer steps, array dirs', () => {
    const train = info.workflow.steps.learn?.loop?.steps.train?.command ?? [];
    expect(train.map((a) => renderValue(a, info.workflow, 'learn[3].train'))).toEqual(['t', '/cairn/run/learn/2/pick/next.json', '/cairn/run/prep/data/pool.npz', '3', '7']);
    expect(renderValue('${{ steps.train.outputs.m }}', info.workflow, 'learn[3].pick')).toBe('/cairn/run/learn/3/train/m.npz');
    expect(outputLocation(info.workflow, '', 'x', 'sweep', 'r')).toEqual({ key: 'sweep', path: 'sweep', isArrayStep: true });
    expect(renderValue('${{item}}', info.workflow, 'sweep')).toBe('${{ item }}');
  });

  it('refuses what it cannot render', () => {
    expect(() => renderValue('${{ item.name }}', info.workflow, 'sweep')).toThrow(RenderError);
    expect(() => renderValue('${{ loop.iteration }}', info.workflow, 'prep')).toThrow('outside a loop');
  });
});
